// network::FrameDecoder over arbitrary bytes, whole and in random splits (fed by copy or read in
// place), which must give the same frames and the same verdict; every frame's payload through
// verify_frame_payload, from where the decoder hands it out (8-byte aligned), as the transport does.
//
// Input: a mode byte, a seed byte, then the stream. Mode bit 0: the handshake's bound
// (kMaxHandshakePayload) until the first frame, then the full one, as for a new peer; bit 1: the
// rest is one payload, framed here with type 1 + seed % 19 (every message type's decoder, without
// the fuzzer having to keep a header's length right). The compute layer's and the ledger's checks are
// registered, as in a node.
#include <optional>
#include <string>

#include "compute/frame_checks.h"
#include "network/transport/frame.h"
#include "tests/fuzz/fuzz_target.h"

namespace {

using namespace strata;
using namespace strata::network;

struct Outcome {
  std::vector<Frame> frames;
  std::optional<std::string> error;
};

struct Splitter {
  uint32_t state;
  uint32_t next() {
    state = state * 1103515245u + 12345u;
    return state >> 8;
  }
};

// All of `stream` through one decoder: at once with next(), or in pieces with next_view() (each
// view verified while it is valid).
Outcome decode(std::span<const uint8_t> stream, bool handshake_first, std::optional<uint8_t> split_seed) {
  Outcome out;
  FrameDecoder decoder(handshake_first ? kMaxHandshakePayload : kMaxFramePayload);
  auto handed_out = [&] {
    if (handshake_first && out.frames.size() == 1) decoder.set_max_payload(kMaxFramePayload);
  };
  if (!split_seed) {
    decoder.feed(stream);
    for (;;) {
      auto frame = decoder.next();
      if (!frame.is_ok()) {
        out.error = frame.status().message();
        return out;
      }
      if (!frame->has_value()) return out;
      out.frames.push_back(std::move(**frame));
      handed_out();
    }
  }
  Splitter split{*split_seed * 2654435761u + 1};
  size_t at = 0;
  while (at < stream.size()) {
    uint32_t r = split.next();
    size_t n = std::min(stream.size() - at, size_t(1) + (r & 0x8000 ? r % 4096 : r % 24));
    if (r & 0x10000) {
      decoder.feed(stream.subspan(at, n));
    } else {
      // A read of up to twice what arrives, as a socket read into prepared room.
      std::span<uint8_t> room = decoder.prepare(n * 2);
      std::copy(stream.begin() + at, stream.begin() + at + n, room.begin());
      decoder.commit(n);
    }
    at += n;
    for (;;) {
      auto view = decoder.next_view();
      if (!view.is_ok()) {
        out.error = view.status().message();
        return out;
      }
      if (!view->has_value()) break;
      const FrameView& v = **view;
      fuzz::expect(v.payload.empty() || reinterpret_cast<uintptr_t>(v.payload.data()) % 8 == 0,
                   "frame: a payload handed out where FlatBuffers cannot read it in place");
      (void)verify_frame_payload(v);
      out.frames.push_back(Frame{v.type, std::vector<uint8_t>(v.payload.begin(), v.payload.end())});
      handed_out();
    }
  }
  return out;
}

}  // namespace

STRATA_FUZZ_TARGET(frame) {
  static const bool registered = (compute::register_frame_checks(), true);
  (void)registered;
  if (size < 2) return 0;
  uint8_t mode = data[0], seed = data[1];
  std::vector<uint8_t> stream = fuzz::rest(data, size, 2);
  if (mode & 2) {
    std::vector<uint8_t> payload = std::move(stream);
    (void)verify_frame_payload(FrameView{static_cast<FrameType>(1 + seed % 19), payload});
    stream = encode_frame(static_cast<FrameType>(1 + seed % 19), payload);
  }
  bool handshake_first = mode & 1;
  Outcome whole = decode(stream, handshake_first, std::nullopt);
  Outcome pieces = decode(stream, handshake_first, seed);
  fuzz::expect(whole.error == pieces.error, "frame: the verdict depends on how the stream was split");
  fuzz::expect(whole.frames.size() == pieces.frames.size(), "frame: the frames depend on how the stream was split");
  for (size_t i = 0; i < whole.frames.size(); ++i) {
    fuzz::expect(whole.frames[i].type == pieces.frames[i].type && whole.frames[i].payload == pieces.frames[i].payload,
                 "frame: a frame differs with how the stream was split");
    fuzz::expect(encode_frame(whole.frames[i].type, whole.frames[i].payload).size() ==
                     kFrameHeaderBytes + whole.frames[i].payload.size(),
                 "frame: re-encoding a frame changes its size");
  }
  return 0;
}
