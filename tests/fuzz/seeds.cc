// The fuzz targets' seed corpora, made with the project's own encoders: valid messages, scenes and
// requests (so that fuzzing starts past the verifiers) and hostile ones (truncated, lengths past
// the buffer, invalid UTF-8, deep JSON, GLB chunks and glTF buffer views out of bounds, OBJ faces
// over the bound). `strata_fuzz_corpus --write-seeds DIR` writes them as DIR/<target>/<name>;
// tests/fuzz/corpus/ is its output (plus any regression inputs a finding left).
#include "tests/fuzz/seeds.h"

#include <nlohmann/json.hpp>
#include <stb_image_write.h>

#include <cstring>

#include "compute/market.h"
#include "compute/proof/messages.h"
#include "compute/render/messages.h"
#include "compute/task_messages.h"
#include "ledger/receipt.h"
#include "compute/scene_package.h"
#include "network/blob_service.h"
#include "network/transport/frame.h"
#include "network/transport/identity.h"
#include "network/stream/stream_message.h"
#include "network/stream/stream_registry.h"

namespace strata::fuzz {
namespace {

using namespace strata::network;
using namespace strata::compute;
using namespace strata::ledger;
using json = nlohmann::json;
using Bytes = std::vector<uint8_t>;

Bytes bytes_of(std::string_view s) { return {s.begin(), s.end()}; }
Bytes cat(Bytes a, const Bytes& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}
Bytes with_selector(uint8_t selector, const Bytes& message) { return cat({selector}, message); }

Identity identity(uint8_t n) {
  std::array<uint8_t, 32> seed{};
  seed.fill(n);
  return Identity::from_seed(seed);
}

// The message cut in half: every length in it now points past its end.
Bytes truncated(const Bytes& b) { return Bytes(b.begin(), b.begin() + b.size() / 2); }

// The FlatBuffers string `text` in `b` with its length prefix set to `length` (past the buffer).
Bytes with_string_length(Bytes b, std::string_view text, uint32_t length) {
  auto at = std::search(b.begin(), b.end(), text.begin(), text.end());
  if (at - b.begin() >= 4) std::memcpy(&*(at - 4), &length, 4);
  return b;
}

// ---- messages ----

RenderTask render_task() {
  RenderTask t;
  t.job_id = "job-7";
  t.scene_hash = blob_id_of(bytes_of("scene"));
  t.width = 640;
  t.height = 480;
  t.tile = {64, 32, 32, 32};
  t.sample_begin = 16;
  t.sample_count = 16;
  t.seed = 9;
  t.max_depth = 6;
  t.rr_depth = 2;
  t.subtask = 3;
  t.sample_pieces = 2;
  return t;
}

RenderResult render_result() {
  RenderResult r;
  r.job_id = "job-7";
  r.subtask = 3;
  r.sample_begin = 16;
  r.sample_count = 2;
  r.accum = render::AccumBuffer::for_rect({0, 0, 2, 2});
  for (size_t i = 0; i < 4; ++i) {
    for (int c = 0; c < 3; ++c) r.accum.rgbw[i * 4 + c] = 0.25f * float(i + c);
    r.accum.rgbw[i * 4 + 3] = 2;
    r.accum.rays[i] = 5;
  }
  return r;
}

Demand demand() {
  Demand d;
  d.job_id = "job-7";
  d.kernel = "render/pathtrace-v1";
  d.min_memory_bytes = 1 << 20;
  d.max_price = 100;
  d.deadline = 1800000000000;
  d.work = 1 << 24;
  d.sign(identity(1));
  return d;
}

Agreement agreement() {
  Agreement a;
  a.job_id = "job-7";
  a.provider = identity(2).public_key();
  a.subtasks = {3};
  a.price = 50;
  a.deadline = 1800000000000;
  return a;
}

Offer offer() {
  Offer o;
  o.offer_id = "offer-1";
  o.devices = {{"cpu:0", "cpu", 8ull << 30}, {"NVIDIA H200", "cuda", 140ull << 30}};
  o.kernels = {{"render/pathtrace-v1", 2.5e7, 50}, {"proof/ed25519-v1", 1e5, 3}};
  o.max_subtasks = 4;
  o.expires_at = 1800000000000;
  o.sample_pieces = 2;
  o.provider = identity(2).public_key();
  o.sign(identity(2));
  return o;
}

StreamMessage stream_message(std::string stream = "sensors/temperature") {
  StreamMessage m;
  m.stream_id = std::move(stream);
  m.partition = 1;
  m.ref = {1700000000000, 2};
  m.chain_id = "chain-a";
  m.has_prev = true;
  m.prev = {1700000000000, 1};
  m.content_type = "application/json";
  m.payload = bytes_of(R"({"celsius":21.5})");
  m.sign(identity(1));
  return m;
}

StreamMetadata metadata() {
  StreamMetadata m;
  m.id = "sensors/temperature";
  m.partitions = 4;
  m.version = 3;
  m.publishers = {identity(2).node_id()};
  m.subscribers = {identity(3).node_id(), identity(4).node_id()};
  m.sign(identity(1));
  return m;
}

void render_messages(Corpus& c) {
  Bytes task = encode(render_task()), result = encode(render_result());
  c["task"] = with_selector(0, task);
  c["result"] = with_selector(1, result);
  c["task-truncated"] = with_selector(0, truncated(task));
  c["result-truncated"] = with_selector(1, truncated(result));
  c["task-job-id-past-end"] = with_selector(0, with_string_length(task, "job-7", 0x7ffffff0));
  RenderTask outside = render_task();
  outside.tile = {UINT32_MAX - 8, 0, 16, 16};
  c["task-tile-wraps"] = with_selector(0, encode(outside));
  RenderTask utf8 = render_task();
  utf8.job_id = "job-\xc0\xaf";  // an overlong '/'
  c["task-job-id-not-utf8"] = with_selector(0, encode(utf8));
  RenderResult nan = render_result();
  nan.accum.rgbw[1] = std::nanf("");
  c["result-nan"] = with_selector(1, encode(nan));
  RenderResult big = render_result();
  big.accum.rect = {0, 0, 16384, 16384};  // claims 2^28 pixels, carries 4
  c["result-tile-larger-than-data"] = with_selector(1, encode(big));
}

void task_messages(Corpus& c) {
  TaskProposal p = make_proposal(agreement(), encode(render_task()), demand(), identity(1));
  Bytes proposal = encode(p);
  c["proposal"] = with_selector(0, proposal);
  c["proposal-truncated"] = with_selector(0, truncated(proposal));
  Agreement both = p.agreement;
  both.sign_as_provider(identity(2));
  c["reply-accepted"] = with_selector(1, encode(TaskReply{"job-7", 3, both, ""}));
  c["reply-refused"] = with_selector(1, encode(TaskReply{"job-7", 3, std::nullopt, "no free device"}));
  c["reply-both"] = with_selector(1, encode(TaskReply{"job-7", 3, both, "and an error"}));
  TaskResult r;
  r.job_id = "job-7";
  r.subtask = 3;
  r.result_id = blob_id_of(bytes_of("result"));
  r.result_bytes = 65536;
  r.kernel_ms = 12.5;
  r.device = "cpu:0";
  r.merkle_root = blob_id_of(bytes_of("root"));
  r.chunks = 3;
  Bytes result = encode(r);
  c["result"] = with_selector(2, result);
  c["result-device-past-end"] = with_selector(2, with_string_length(result, "cpu:0", 0xfffffff0));
  c["chunk-request"] = with_selector(3, encode(ChunkRequest{r.result_id, 2}));
  ChunkReply reply;
  reply.result_id = r.result_id;
  reply.index = 1;
  reply.chunks = 3;
  reply.data = bytes_of("tile rows");
  reply.proof = {blob_id_of(bytes_of("a")), blob_id_of(bytes_of("b"))};
  c["chunk-reply"] = with_selector(4, encode(reply));
  ChunkReply outside = reply;
  outside.index = 3;
  c["chunk-reply-index-outside"] = with_selector(4, encode(outside));
  c["cancel"] = with_selector(5, encode(TaskCancel{"job-7"}));
  c["cancel-not-utf8"] = with_selector(5, encode(TaskCancel{"job-\xed\xa0\x80"}));  // a surrogate
}

void market(Corpus& c) {
  Bytes o = encode(offer());
  c["offer"] = with_selector(0, o);
  c["offer-truncated"] = with_selector(0, truncated(o));
  c["offer-kernel-past-end"] = with_selector(0, with_string_length(o, "render/pathtrace-v1", 0x40000000));
  c["demand"] = with_selector(1, encode(demand()));
  Agreement a = agreement();
  a.requestor = identity(1).public_key();
  a.sign_as_requestor(identity(1));
  c["agreement-proposal"] = with_selector(2, encode(a));
  a.sign_as_provider(identity(2));
  c["agreement-signed"] = with_selector(3, encode(a));
  PaymentReceipt r;
  r.job_id = "job-7";
  r.requestor = identity(1).public_key();
  r.provider = identity(2).public_key();
  r.subtask = 3;
  r.agreement_hash = agreement_hash(a);
  r.result = blob_id_of(bytes_of("result"));
  r.amount = 800;
  r.cumulative = 1600;
  r.sequence = 2;
  r.issued_at = 1700000000000;
  r.sign(identity(1));
  c["receipt"] = with_selector(4, encode(r));
  r.sequence = 0;
  c["receipt-sequence-0"] = with_selector(4, encode(r));
}

void blob_service(Corpus& c) {
  BlobId id = blob_id_of(bytes_of("hello, blob"));
  c["request"] = with_selector(0, encode(BlobRequest{id, 7}));
  BlobChunk chunk{id, 0, 11, bytes_of("hello, blob"), ""};
  Bytes b = encode(chunk);
  c["chunk"] = with_selector(1, b);
  c["chunk-truncated"] = with_selector(1, truncated(b));
  c["chunk-error"] = with_selector(1, encode(BlobChunk{id, 3, 0, {}, "no such blob"}));
  c["chunk-error-not-utf8"] = with_selector(1, encode(BlobChunk{id, 3, 0, {}, "\xff\xfe"}));
}

void stream_messages(Corpus& c) {
  Bytes m = encode(stream_message());
  c["message"] = with_selector(0x80, m);  // decoded with the signature check
  c["message-skip-signature"] = with_selector(0, m);
  c["message-truncated"] = with_selector(0, truncated(m));
  c["message-stream-id-past-end"] = with_selector(0, with_string_length(m, "sensors/temperature", 0xffffff00));
  StreamMessage bad = stream_message("sensors/\xf4\x90\x80\x80");  // past U+10FFFF
  c["message-stream-id-not-utf8"] = with_selector(0, encode(bad));
  StreamMessage later = stream_message();
  later.prev = later.ref;
  c["message-prev-not-earlier"] = with_selector(0, encode(later));
  StreamMessage text = stream_message("");
  c["message-empty-stream-id"] = with_selector(0, encode(text));
  c["subscribe"] = with_selector(1, encode(Subscription{"sensors/temperature", 3}));
  c["subscribe-not-utf8"] = with_selector(1, encode(Subscription{"\x80", 0}));
  c["resend"] = with_selector(2, encode(ResendRequest{{"sensors/temperature", 0}, {1, 0}, {1700000000000, 5}}));
  c["resend-reversed"] = with_selector(2, encode(ResendRequest{{"sensors/temperature", 0}, {9, 0}, {1, 5}}));
}

void stream_registry(Corpus& c) {
  Bytes m = encode(metadata());
  c["metadata"] = m;
  c["metadata-truncated"] = truncated(m);
  StreamMetadata zero = metadata();
  zero.partitions = 0;
  zero.sign(identity(1));
  c["metadata-no-partitions"] = encode(zero);
  StreamMetadata many = metadata();
  many.partitions = kMaxPartitions + 1;
  many.sign(identity(1));
  c["metadata-too-many-partitions"] = encode(many);
  StreamMetadata utf8 = metadata();
  utf8.id = "\xe2\x82";  // cut off in the middle of a character
  utf8.sign(identity(1));
  c["metadata-id-not-utf8"] = encode(utf8);
  StreamMetadata tampered = metadata();
  tampered.version = 4;
  c["metadata-tampered"] = encode(tampered);
}

// ---- frames ----

void frames(Corpus& c, const Seeds& seeds) {
  auto payload = [&](const char* target, const char* name) {
    const Bytes& b = seeds.at(target).at(name);
    return Bytes(b.begin() + 1, b.end());  // without the selector
  };
  auto framed = [](FrameType type, const Bytes& p) { return encode_frame(type, p); };
  auto seed = [](uint8_t mode, uint8_t split, const Bytes& stream) { return cat({mode, split}, stream); };
  const std::pair<FrameType, Bytes> each[] = {
      {FrameType::kRenderTask, payload("render_messages", "task")},
      {FrameType::kRenderResult, payload("render_messages", "result")},
      {FrameType::kSubscribe, payload("stream_message", "subscribe")},
      {FrameType::kPublish, payload("stream_message", "message")},
      {FrameType::kResend, payload("stream_message", "resend")},
      {FrameType::kPing, {}},
      {FrameType::kStreamInfo, seeds.at("stream_registry").at("metadata")},
      {FrameType::kBlobRequest, payload("blob_service", "request")},
      {FrameType::kBlobChunk, payload("blob_service", "chunk")},
      {FrameType::kOffer, payload("market", "offer")},
      {FrameType::kTaskProposal, payload("task_messages", "proposal")},
      {FrameType::kTaskReply, payload("task_messages", "reply-accepted")},
      {FrameType::kReceipt, payload("market", "receipt")},
      {FrameType::kChunkRequest, payload("task_messages", "chunk-request")},
      {FrameType::kChunkReply, payload("task_messages", "chunk-reply")},
      {FrameType::kTaskCancel, payload("task_messages", "cancel")},
      {FrameType::kHello, bytes_of("hello, not checked here")},
  };
  Bytes all;
  for (const auto& [type, p] : each) {
    std::string name = frame_type_name(type);
    for (char& ch : name) ch = ch == ' ' ? '-' : ch;
    Bytes f = framed(type, p);
    c[name] = seed(0, uint8_t(all.size()), f);
    // Mode 2: the payload alone, framed by the target with type 1 + split % 19.
    c[name + "-payload"] = seed(2, uint8_t(static_cast<uint16_t>(type) - 1), p);
    all = cat(all, f);
  }
  c["every-type-in-one-stream"] = seed(0, 1, all);
  c["every-type-split-differently"] = seed(0, 200, all);
  Bytes two = cat(framed(FrameType::kPing, {}), framed(FrameType::kOffer, payload("market", "offer")));
  c["handshake-bound-then-offer"] = seed(1, 5, cat(framed(FrameType::kHello, bytes_of("hi")), two));
  c["handshake-bound-exceeded"] = seed(1, 3, framed(FrameType::kHello, Bytes(kMaxHandshakePayload + 1, 'h')));
  // A payload of odd length puts the next one off alignment in the stream (the decoder realigns it).
  c["unaligned-after-odd-payload"] =
      seed(0, 7, cat(cat(framed(FrameType::kHello, bytes_of("x")), framed(FrameType::kOffer, payload("market", "offer"))),
                     framed(FrameType::kPublish, payload("stream_message", "message"))));
  Bytes bad_magic = framed(FrameType::kPing, {});
  bad_magic[0] = 'X';
  c["bad-magic"] = seed(0, 0, cat(two, bad_magic));
  Bytes version = framed(FrameType::kPing, {});
  version[4] = 2;
  c["bad-version"] = seed(0, 0, version);
  Bytes unknown = framed(FrameType::kPing, {});
  unknown[6] = 99;
  c["unknown-type"] = seed(0, 0, unknown);
  Bytes huge = framed(FrameType::kBlobChunk, {});
  std::memset(huge.data() + 8, 0xff, 4);
  c["length-over-bound"] = seed(0, 9, cat(two, huge));
  Bytes ping_payload = framed(FrameType::kPing, bytes_of("x"));
  c["ping-with-payload"] = seed(0, 0, ping_payload);
  c["truncated-header"] = seed(0, 0, Bytes(two.begin(), two.begin() + 18));
  c["truncated-payload"] = seed(0, 4, Bytes(two.begin(), two.end() - 3));
}

// ---- the scene manifest ----

void scene_manifest(Corpus& c) {
  compute::SceneManifest m;
  m.main = "scene.gltf";
  m.files = {{"scene.gltf", blob_id_of(bytes_of("gltf")), 1234},
             {"buffer.bin", blob_id_of(bytes_of("bin")), 36},
             {"textures/albedo.png", blob_id_of(bytes_of("png")), 4096}};
  c["manifest"] = compute::encode_manifest(m);
  std::string id = network::to_string(blob_id_of(bytes_of("x")));
  auto doc = [&](json files, std::string main = "scene.gltf") {
    return bytes_of(json{{"format", "strata-scene/1"}, {"main", main}, {"files", files}}.dump());
  };
  auto file = [&](std::string path, json size = 10) { return json{{"path", path}, {"id", id}, {"size", size}}; };
  c["dotdot"] = doc({file("scene.gltf"), file("../identity.key")});
  c["absolute"] = doc({file("scene.gltf"), file("/etc/passwd")});
  c["twice"] = doc({file("scene.gltf"), file("scene.gltf")});
  c["main-not-listed"] = doc({file("other.gltf")});
  c["over-bound"] = doc({file("scene.gltf", 1ull << 29), file("a.bin", 1ull << 29), file("b.bin", 1ull << 29)});
  c["size-negative"] = doc({file("scene.gltf", -1)});
  c["size-huge"] = doc({file("scene.gltf", UINT64_MAX)});
  c["bad-id"] = bytes_of(R"({"format":"strata-scene/1","main":"s.obj","files":[{"path":"s.obj","id":"zz","size":1}]})");
  c["not-utf8"] = cat(bytes_of(R"({"format":"strata-scene/1","main":"s)"), bytes_of("\xff\xfe\"}"));
  c["wrong-format"] = bytes_of(R"({"format":"strata-scene/2","main":"a","files":[]})");
  c["format-not-a-string"] = bytes_of(R"({"format":8,"main":"a","files":[{"path":"a","id":")" + id + R"(","size":1}]})");
  c["deep"] = cat(bytes_of(R"({"format":"strata-scene/1","main":"a","files":)"),
                  cat(Bytes(3000, '['), Bytes(3000, ']')));
}

// ---- scenes ----

constexpr const char* kSeparator = "\n--- file ";

Bytes scene_input(char kind, const Bytes& main, const std::vector<std::pair<std::string, Bytes>>& extra = {}) {
  Bytes out = cat({uint8_t(kind)}, main);
  for (const auto& [name, bytes] : extra) out = cat(cat(out, bytes_of(kSeparator + name + "\n")), bytes);
  return out;
}

Bytes floats(std::initializer_list<float> v) {
  Bytes out(v.size() * 4);
  std::memcpy(out.data(), std::data(v), out.size());
  return out;
}

Bytes png(int w, int h) {
  std::vector<uint8_t> rgba(size_t(w) * h * 4);
  for (size_t i = 0; i < rgba.size(); ++i) rgba[i] = uint8_t(i * 37);
  Bytes out;
  stbi_write_png_to_func([](void* ctx, void* data, int size) {
    auto* o = static_cast<Bytes*>(ctx);
    o->insert(o->end(), static_cast<uint8_t*>(data), static_cast<uint8_t*>(data) + size);
  }, &out, w, h, 4, rgba.data(), w * 4);
  return out;
}

// A GLB: the JSON chunk (padded with spaces) and a binary chunk (padded with zeros).
Bytes glb(std::string text, Bytes bin) {
  while (text.size() % 4) text.push_back(' ');
  while (bin.size() % 4) bin.push_back(0);
  auto u32 = [](uint32_t v) { Bytes b(4); std::memcpy(b.data(), &v, 4); return b; };
  Bytes out = bytes_of("glTF");
  uint32_t length = 12 + 8 + uint32_t(text.size()) + (bin.empty() ? 0 : 8 + uint32_t(bin.size()));
  out = cat(cat(cat(out, u32(2)), u32(length)), cat(u32(uint32_t(text.size())), bytes_of("JSON")));
  out = cat(out, bytes_of(text));
  if (!bin.empty()) out = cat(cat(cat(out, u32(uint32_t(bin.size()))), bytes_of(std::string("BIN\0", 4))), bin);
  return out;
}

// Two triangles (a quad) with normals, uvs and 16-bit indices: the bytes and the glTF that reads them.
const Bytes kQuadPositions = floats({0, 0, 0, 1, 0, 0, 1, 1, 0, 0, 1, 0});
const Bytes kQuadNormals = floats({0, 0, 1, 0, 0, 1, 0, 0, 1, 0, 0, 1});
const Bytes kQuadUvs = floats({0, 0, 1, 0, 1, 1, 0, 1});
const Bytes kQuadIndices = {0, 0, 1, 0, 2, 0, 0, 0, 2, 0, 3, 0};

json quad_gltf(json buffer) {
  size_t p = kQuadPositions.size(), n = kQuadNormals.size(), u = kQuadUvs.size(), i = kQuadIndices.size();
  return {{"asset", {{"version", "2.0"}}},
          {"scene", 0},
          {"scenes", {{{"nodes", {0, 2, 3}}}}},
          {"nodes",
           {{{"mesh", 0}, {"children", {1}}, {"translation", {0, 0, -2}}, {"rotation", {0, 0.38268343, 0, 0.9238795}}},
            {{"mesh", 0}, {"matrix", {1, 0, 0, 0, 0, 2, 0, 0, 0, 0, 1, 0, 3, 0, 0, 1}}},
            {{"camera", 0}, {"translation", {0, 0, 5}}},
            {{"extensions", {{"KHR_lights_punctual", {{"light", 0}}}}}, {"translation", {0, 4, 0}}}}},
          {"cameras", {{{"type", "perspective"}, {"perspective", {{"yfov", 0.8}, {"znear", 0.1}}}}}},
          {"extensionsUsed", {"KHR_lights_punctual", "KHR_texture_transform", "KHR_materials_emissive_strength"}},
          {"extensions",
           {{"KHR_lights_punctual",
             {{"lights",
               {{{"type", "point"}, {"color", {1, 0.9, 0.8}}, {"intensity", 20}},
                {{"type", "spot"}, {"intensity", 5}, {"spot", {{"innerConeAngle", 0.2}, {"outerConeAngle", 0.5}}}},
                {{"type", "directional"}, {"intensity", 2}}}}}}}},
          {"meshes",
           {{{"primitives",
              {{{"attributes", {{"POSITION", 0}, {"NORMAL", 1}, {"TEXCOORD_0", 2}}}, {"indices", 3}, {"material", 0}}}}}}},
          {"materials",
           {{{"pbrMetallicRoughness",
              {{"baseColorFactor", {1, 0.5, 0.25, 1}},
               {"baseColorTexture",
                {{"index", 0}, {"extensions", {{"KHR_texture_transform", {{"offset", {0.5, 0}}, {"scale", {2, 2}}}}}}}},
               {"metallicFactor", 0.1},
               {"roughnessFactor", 0.7}}},
             {"emissiveFactor", {0.2, 0.2, 0.2}},
             {"extensions", {{"KHR_materials_emissive_strength", {{"emissiveStrength", 3}}}}},
             {"alphaMode", "MASK"},
             {"doubleSided", true}}}},
          {"textures", {{{"source", 0}, {"sampler", 0}}}},
          {"samplers", {{{"wrapS", 33071}, {"wrapT", 33648}}}},
          {"images", {{{"uri", "textures/albedo.png"}}}},
          {"buffers", {buffer}},
          {"bufferViews",
           {{{"buffer", 0}, {"byteOffset", 0}, {"byteLength", p}},
            {{"buffer", 0}, {"byteOffset", p}, {"byteLength", n}},
            {{"buffer", 0}, {"byteOffset", p + n}, {"byteLength", u}},
            {{"buffer", 0}, {"byteOffset", p + n + u}, {"byteLength", i}}}},
          {"accessors",
           {{{"bufferView", 0}, {"componentType", 5126}, {"count", 4}, {"type", "VEC3"}, {"min", {0, 0, 0}}, {"max", {1, 1, 0}}},
            {{"bufferView", 1}, {"componentType", 5126}, {"count", 4}, {"type", "VEC3"}},
            {{"bufferView", 2}, {"componentType", 5126}, {"count", 4}, {"type", "VEC2"}},
            {{"bufferView", 3}, {"componentType", 5123}, {"count", 6}, {"type", "SCALAR"}}}}};
}

// One triangle from a 36-byte buffer at `uri`.
json triangle_gltf(json buffer) {
  return {{"asset", {{"version", "2.0"}}},
          {"scenes", {{{"nodes", {0}}}}},
          {"nodes", {{{"mesh", 0}}}},
          {"meshes", {{{"primitives", {{{"attributes", {{"POSITION", 0}}}}}}}}},
          {"buffers", {buffer}},
          {"bufferViews", {{{"buffer", 0}, {"byteLength", 36}}}},
          {"accessors", {{{"bufferView", 0}, {"componentType", 5126}, {"count", 3}, {"type", "VEC3"}}}}};
}

const Bytes kTriangle = floats({0, 0, 0, 1, 0, 0, 0, 1, 0});

void scenes(Corpus& c) {
  Bytes quad = cat(cat(kQuadPositions, kQuadNormals), cat(kQuadUvs, kQuadIndices));
  Bytes texture = png(4, 4);
  json with_file = quad_gltf({{"byteLength", quad.size()}, {"uri", "buffer.bin"}});
  c["gltf-quad"] = scene_input('0', bytes_of(with_file.dump()), {{"buffer.bin", quad}, {"textures/albedo.png", texture}});
  c["gltf-triangle"] = scene_input('0', bytes_of(triangle_gltf({{"byteLength", 36}, {"uri", "b.bin"}}).dump()),
                                   {{"b.bin", kTriangle}});
  // The buffer embedded as a data: URI.
  std::string b64 = "AAAAAAAAAAAAAAAAAACAPwAAAAAAAAAAAAAAAAAAgD8AAAAA";  // kTriangle
  c["gltf-data-uri"] = scene_input(
      '0', bytes_of(triangle_gltf({{"byteLength", 36}, {"uri", "data:application/octet-stream;base64," + b64}}).dump()));
  // A GLB: the buffer and the image in its binary chunk.
  json in_glb = quad_gltf({{"byteLength", quad.size() + texture.size()}});
  in_glb["images"] = {{{"bufferView", 4}, {"mimeType", "image/png"}}};
  in_glb["bufferViews"].push_back({{"buffer", 0}, {"byteOffset", quad.size()}, {"byteLength", texture.size()}});
  Bytes glb_file = glb(in_glb.dump(), cat(quad, texture));
  c["glb-quad"] = scene_input('1', glb_file);
  c["obj-quad"] = scene_input('2',
                              bytes_of("# a textured quad\nmtllib scene.mtl\no quad\nv 0 0 0\nv 1 0 0\nv 1 1 0\nv 0 1 0\n"
                                       "vt 0 0\nvt 1 0\nvt 1 1\nvt 0 1\nvn 0 0 1\ng front\nusemtl lit\n"
                                       "f 1/1/1 2/2/1 3/3/1 4/4/1\nusemtl glow\nf -4 -2 -1\n"),
                              {{"scene.mtl", bytes_of("newmtl lit\nKd 0.8 0.6 0.4\nmap_Kd textures/albedo.png\nPr 0.5\nPm 0.1\n"
                                                      "d 1\nnewmtl glow\nKe 2 2 2\nmap_Ke textures/albedo.png\n")},
                               {"textures/albedo.png", texture}});
  c["obj-no-mtl"] = scene_input('2', bytes_of("v 0 0 0\nv 1 0 0\nv 0 1 0\nf 1 2 3\n"));

  // Hostile: what the structure checks stop before the libraries see it.
  Bytes bad_json_length = glb_file;
  uint32_t huge = 0x7ffffff0;
  std::memcpy(bad_json_length.data() + 12, &huge, 4);
  c["glb-json-chunk-past-end"] = scene_input('1', bad_json_length);
  Bytes bad_bin_length = glb_file;
  uint32_t json_length;
  std::memcpy(&json_length, glb_file.data() + 12, 4);
  std::memcpy(bad_bin_length.data() + 20 + json_length, &huge, 4);
  c["glb-bin-chunk-past-end"] = scene_input('1', bad_bin_length);
  Bytes short_total = glb_file;
  uint32_t short_length = 24;
  std::memcpy(short_total.data() + 8, &short_length, 4);
  c["glb-total-length-short"] = scene_input('1', short_total);
  json past = triangle_gltf({{"byteLength", 36}, {"uri", "b.bin"}});
  past["bufferViews"][0]["byteOffset"] = 24;
  c["gltf-buffer-view-past-buffer"] = scene_input('0', bytes_of(past.dump()), {{"b.bin", kTriangle}});
  json overflow = triangle_gltf({{"byteLength", 36}, {"uri", "b.bin"}});
  overflow["bufferViews"][0]["byteOffset"] = UINT64_MAX - 8;
  c["gltf-buffer-view-offset-wraps"] = scene_input('0', bytes_of(overflow.dump()), {{"b.bin", kTriangle}});
  json count = triangle_gltf({{"byteLength", 36}, {"uri", "b.bin"}});
  count["accessors"][0]["count"] = 1ull << 40;
  c["gltf-accessor-count-huge"] = scene_input('0', bytes_of(count.dump()), {{"b.bin", kTriangle}});
  json stride = triangle_gltf({{"byteLength", 36}, {"uri", "b.bin"}});
  stride["bufferViews"][0]["byteStride"] = 252;
  c["gltf-stride-past-view"] = scene_input('0', bytes_of(stride.dump()), {{"b.bin", kTriangle}});
  json short_buffer = triangle_gltf({{"byteLength", 36}, {"uri", "b.bin"}});
  c["gltf-buffer-file-short"] = scene_input('0', bytes_of(short_buffer.dump()), {{"b.bin", Bytes(12, 0)}});
  json cycle = triangle_gltf({{"byteLength", 36}, {"uri", "b.bin"}});
  cycle["nodes"] = {{{"mesh", 0}, {"children", {1}}}, {{"mesh", 0}, {"children", {0}}}};
  c["gltf-node-cycle"] = scene_input('0', bytes_of(cycle.dump()), {{"b.bin", kTriangle}});
  json fan = triangle_gltf({{"byteLength", 36}, {"uri", "b.bin"}});
  fan["nodes"] = json::array();  // each node twice a child of the one above: 2^24 instances, past the bound
  for (int level = 0; level < 25; ++level) {
    fan["nodes"].push_back({{"mesh", 0}, {"children", level < 24 ? json{level + 1, level + 1} : json::array()}});
  }
  c["gltf-instances-double-each-level"] = scene_input('0', bytes_of(fan.dump()), {{"b.bin", kTriangle}});
  json lights = triangle_gltf({{"byteLength", 36}, {"uri", "b.bin"}});
  lights["nodes"][0]["extensions"] = {{"KHR_lights_punctual", {{"light", 7}}}};
  c["gltf-light-index-out-of-range"] = scene_input('0', bytes_of(lights.dump()), {{"b.bin", kTriangle}});
  std::string deep = R"({"asset":{"version":"2.0"},"extras":)" + std::string(80, '[') + std::string(80, ']') + "}";
  c["gltf-deep-json"] = scene_input('0', bytes_of(deep));
  c["gltf-dotdot-uri"] = scene_input('0', bytes_of(triangle_gltf({{"byteLength", 36}, {"uri", "%2e%2e/identity.key"}}).dump()));
  c["gltf-absolute-uri"] = scene_input('0', bytes_of(triangle_gltf({{"byteLength", 36}, {"uri", "/etc/hostname"}}).dump()));
  Bytes huge_png = texture;
  // 16384 x 8192 (big-endian in IHDR): past the pixel budget, within what stb_image itself takes.
  const uint8_t width[4] = {0, 0, 0x40, 0}, height[4] = {0, 0, 0x20, 0};
  std::memcpy(huge_png.data() + 16, width, 4);
  std::memcpy(huge_png.data() + 20, height, 4);
  c["gltf-texture-declares-huge-size"] =
      scene_input('0', bytes_of(with_file.dump()), {{"buffer.bin", quad}, {"textures/albedo.png", huge_png}});
  c["gltf-texture-not-an-image"] =
      scene_input('0', bytes_of(with_file.dump()), {{"buffer.bin", quad}, {"textures/albedo.png", bytes_of("GIF89a?")}});
  std::string big_face = "v 0 0 0\nv 1 0 0\nv 0 1 0\nf";
  for (int i = 0; i < 300; ++i) big_face.append(" ").append(std::to_string(1 + i % 3));
  c["obj-face-300-corners"] = scene_input('2', bytes_of(big_face + "\n"));
  std::string bound_face = "v 0 0 0\nv 1 0 0\nv 0 1 0\nv 1 1 0\nf";
  for (int i = 0; i < 256; ++i) bound_face.append(" ").append(std::to_string(1 + i % 4));
  c["obj-face-256-corners"] = scene_input('2', bytes_of(bound_face + "\n"));
  c["obj-index-out-of-range"] = scene_input('2', bytes_of("v 0 0 0\nv 1 0 0\nv 0 1 0\nf 1 2 99\nf -9 1 2\nf 0 1 2\n"));
  c["obj-nan-vertex"] = scene_input('2', bytes_of("v nan 0 0\nv 1 0 0\nv 0 1 0\nf 1 2 3\n"));
  c["obj-mtl-dotdot"] = scene_input('2', bytes_of("mtllib ../secret.mtl\nv 0 0 0\nv 1 0 0\nv 0 1 0\nf 1 2 3\n"));
  c["obj-texture-absolute"] =
      scene_input('2', bytes_of("mtllib m.mtl\nv 0 0 0\nv 1 0 0\nv 0 1 0\nvt 0 0\nusemtl m\nf 1/1 2/1 3/1\n"),
                  {{"m.mtl", bytes_of("newmtl m\nKd 1 1 1\nmap_Kd /etc/hostname\n")}});
  c["obj-names-not-utf8"] = scene_input('2', bytes_of("mtllib \xff\xfe.mtl\no \xc0\x80\nv 0 0 0\nv 1 0 0\nv 0 1 0\nusemtl \xed\xa0\x80\nf 1 2 3\n"));
}

// ---- the API's request parsing ----

void api_request(Corpus& c) {
  auto request = [](std::string target, std::string body = "") {
    return bytes_of(body.empty() ? target : target + "\n" + body);
  };
  c["resend-last"] = request("/api/v1/streams/sensors%2Ftemperature/resend?partition=2&last=10");
  c["resend-range"] = request("/api/v1/streams/job%2F1%2Fresults/resend?from=1700000000000&from_sequence=3&to=1700000009999&to_sequence=0");
  c["resend-both"] = request("/api/v1/streams/s/resend?last=1&from=2");
  c["resend-reversed"] = request("/api/v1/streams/s/resend?from=9&to=3");
  c["resend-past-64-bits"] = request("/api/v1/streams/s/resend?from=18446744073709551616");
  c["resend-partition-out-of-range"] = request("/api/v1/streams/s/resend?partition=4096&last=1");
  c["subscribe"] = request("/api/v1/streams/s/subscribe?partition=0&from=5");
  c["bad-percent"] = request("/api/v1/streams/%zz/resend?last=%4");
  c["query-empty-and-repeated"] = request("/api/v1/node?&&=x&last=&last=3&a=%20+b");
  c["not-absolute"] = request("api/v1/node");
  c["publish-content"] = request("/api/v1/streams/s/publish", R"({"partition":1,"content":{"celsius":21.5,"tags":["a","b"]}})");
  c["publish-text"] = request("/api/v1/streams/s/publish", R"({"text":"hello","content_type":"text/markdown"})");
  c["publish-base64"] = request("/api/v1/streams/s/publish", R"({"payload_base64":"AAEC/w==","content_type":"application/x-raw"})");
  c["publish-bad-base64"] = request("/api/v1/streams/s/publish", R"({"payload_base64":"!!!"})");
  c["publish-two-kinds"] = request("/api/v1/streams/s/publish", R"({"text":"a","content":1})");
  c["publish-partition-out-of-range"] = request("/api/v1/streams/s/publish", R"({"partition":4096,"text":"a"})");
  c["publish-partition-negative"] = request("/api/v1/streams/s/publish", R"({"partition":-1,"text":"a"})");
  c["publish-not-object"] = request("/api/v1/streams/s/publish", R"(["text"])");
  c["publish-text-not-utf8"] = request("/api/v1/streams/s/publish", "{\"text\":\"\xff\xfe\"}");
  c["publish-content-type-not-string"] = request("/api/v1/streams/s/publish", R"({"text":"a","content_type":7})");
  // Bodies are written out again recursively: nested past kMaxApiJsonDepth they are refused.
  c["publish-deep-content"] = request("/api/v1/streams/s/publish",
                                      "{\"content\":" + std::string(2000, '[') + std::string(2000, ']') + "}");
  c["publish-content-at-depth-bound"] = request("/api/v1/streams/s/publish",
                                                "{\"content\":" + std::string(511, '[') + std::string(511, ']') + "}");
  c["publish-brackets-in-strings"] = request("/api/v1/streams/s/publish", "{\"text\":\"" + std::string(600, '[') + "\\\"{\"}");
}

// ---- the proof family's JSON lines ----

void proof_items(Corpus& c) {
  c["records"] = bytes_of("{\"data_hex\": \"616263\", \"key\": \"00ff\"}\n{\"data_base64\": \"YWJj\", \"key\": \"\"}\n");
  c["bad-lines"] = bytes_of("not json\n{\"data_hex\": \"6\"}\n{\"data_hex\": \"zz\", \"key\": \"00\"}\n[1]\n\r\n");
  c["missing-key"] = bytes_of("{\"data_hex\": \"00\"}\n");
  c["field-over-bound"] = bytes_of("{\"data_hex\": \"" + std::string(514, 'a') + "\", \"key\": \"00\"}\n");
  c["line-over-bound"] = bytes_of("{\"data_hex\": \"" + std::string(4000, 'a') + "\"}\n{\"data_hex\": \"\", \"key\": \"\"}");
  c["deep"] = bytes_of(std::string(100, '[') + std::string(100, ']') + "\n");
  c["bad-base64"] = bytes_of("{\"data_base64\": \"YWJ\", \"key\": \"00\"}\n{\"data_base64\": \"!!!!\", \"key\": \"00\"}\n");
  c["not-strings"] = bytes_of("{\"data_hex\": 7, \"key\": null}\n");
  std::string many;
  for (int i = 0; i < 70; ++i) many += "{\"data_hex\": \"\", \"key\": \"\"}\n";
  c["over-record-bound"] = bytes_of(many);
}

// ---- the proof family's messages ----

void proof_messages(Corpus& c) {
  compute::ProofBatch items;
  items.values = {bytes_of(""), bytes_of("abc"), Bytes(200, 7)};
  c["batch"] = with_selector(0, compute::encode(items));
  compute::ProofBatch claims;
  claims.fields = 3;
  claims.values = {Bytes(32, 1), bytes_of("message"), Bytes(64, 2)};
  c["batch-of-claims"] = with_selector(4, compute::encode(claims));
  c["batch-truncated"] = with_selector(0, truncated(compute::encode(items)));
  compute::ProofBatch partial;
  partial.fields = 3;
  partial.values = {Bytes(32, 1), bytes_of("m")};  // a record cut short
  c["batch-partial-record"] = with_selector(0, compute::encode(partial));
  compute::ProofBatch fields4;
  fields4.fields = 4;
  fields4.values = {bytes_of("a"), bytes_of("b"), bytes_of("c"), bytes_of("d")};
  c["batch-four-fields"] = with_selector(0, compute::encode(fields4));
  compute::ProofTask t;
  t.job_id = "job-7";
  t.subtask = 3;
  t.op = compute::ProofOp::kHash;
  t.algo = "keccak256";
  t.batch = blob_id_of(bytes_of("batch"));
  t.batch_bytes = 1234;
  t.items = 3;
  t.first = 40;
  c["task"] = with_selector(1, compute::encode(t));
  c["task-truncated"] = with_selector(1, truncated(compute::encode(t)));
  compute::ProofTask verify = t;
  verify.op = compute::ProofOp::kVerify;
  verify.algo = "";
  c["task-verify"] = with_selector(1, compute::encode(verify));
  compute::ProofTask algo_on_verify = verify;
  algo_on_verify.algo = "sha256";
  c["task-verify-with-algo"] = with_selector(1, compute::encode(algo_on_verify));
  compute::ProofTask md5 = t;
  md5.algo = "md5";
  c["task-unknown-algo"] = with_selector(1, compute::encode(md5));
  compute::ProofTask huge = t;
  huge.items = UINT32_MAX;
  huge.batch_bytes = UINT64_MAX;
  huge.first = UINT64_MAX;
  c["task-over-bounds"] = with_selector(1, compute::encode(huge));
  compute::ProofResult r;
  r.job_id = "job-7";
  r.subtask = 3;
  r.op = compute::ProofOp::kMerkle;
  r.outputs = Bytes(96, 9);
  c["result"] = with_selector(2, compute::encode(r));
  compute::ProofResult verdicts = r;
  verdicts.op = compute::ProofOp::kVerify;
  verdicts.outputs = {1, 0, 1, 2};  // 2 is no verdict
  c["result-bad-verdict"] = with_selector(2, compute::encode(verdicts));
  compute::ProofResult ragged = r;
  ragged.outputs = Bytes(33, 1);
  c["result-partial-output"] = with_selector(2, compute::encode(ragged));
}

// ---- the analytics family's events ----

void analytics_events(Corpus& c) {
  // Byte 0: window (low 3 bits), lateness (next 3) and scale; byte 1: the batch size.
  auto with = [](uint8_t query, uint8_t batch, const std::string& lines) {
    Bytes b{query, batch};
    b.insert(b.end(), lines.begin(), lines.end());
    return b;
  };
  const std::string ordered = "{\"ts\":1000,\"k\":\"a\",\"v\":1}\n{\"ts\":1500,\"k\":\"b\",\"v\":-2.5}\n"
                              "{\"ts\":2100,\"k\":\"a\",\"v\":3}\n{\"ts\":9000,\"k\":7,\"v\":0}\n";
  c["tumbling"] = with(0, 3, ordered);
  c["sliding"] = with(2, 1, ordered);
  c["sessions"] = with(4, 2, ordered + "{\"ts\":2050,\"k\":\"b\",\"v\":1}\n{\"ts\":20,\"k\":\"a\",\"v\":1}\n");
  c["late-and-lateness"] = with(4 << 3, 2, ordered + "{\"ts\":1200,\"k\":\"a\",\"v\":1}\n{\"ts\":10,\"k\":\"c\",\"v\":1}\n");
  c["malformed"] = with(1, 5,
                        "not json\n{\"k\":\"a\",\"v\":1}\n[1]\n{\"ts\":-1,\"k\":\"a\",\"v\":1}\n"
                        "{\"ts\":5,\"k\":[],\"v\":1}\n{\"ts\":5,\"k\":\"a\",\"v\":\"1\"}\n"
                        "{\"ts\":5,\"k\":\"a\",\"v\":1e300}\n{\"ts\":5,\"k\":\"a\"}\n{\"ts\":5.5,\"k\":\"a\",\"v\":1}\n");
  c["extremes"] = with(5 | (3 << 6), 0,
                       "{\"ts\":253402300799999,\"k\":\"a\",\"v\":9223372036854775807}\n"
                       "{\"ts\":0,\"k\":\"a\",\"v\":-9223372036854775808}\n"
                       "{\"ts\":4294967296,\"k\":\"a\",\"v\":1e-12}\n");
  c["deep"] = with(0, 0, std::string(100, '{') + "\n" + std::string(50, '[') + std::string(50, ']') + "\n");
}

}  // namespace

Seeds make_seeds() {
  Seeds seeds;
  render_messages(seeds["render_messages"]);
  task_messages(seeds["task_messages"]);
  market(seeds["market"]);
  blob_service(seeds["blob_service"]);
  stream_messages(seeds["stream_message"]);
  stream_registry(seeds["stream_registry"]);
  frames(seeds["frame"], seeds);
  scene_manifest(seeds["scene_manifest"]);
  scenes(seeds["scene"]);
  api_request(seeds["api_request"]);
  proof_items(seeds["proof_items"]);
  proof_messages(seeds["proof_messages"]);
  analytics_events(seeds["analytics_events"]);
  return seeds;
}

}  // namespace strata::fuzz
