#include "compute/market.h"
#include "network/utf8.h"

#include <algorithm>
#include <bit>
#include <cmath>

#include "network/blob_store.h"
#include "network/canonical.h"
#include "network/verified.h"
#include "schema/market_generated.h"

namespace strata::compute {
namespace {

using network::blob_id_of;
using network::copy_fixed;
using network::verified_root;
using network::verify_signature;
using network::canonical::put_bytes;
using network::canonical::put_string;
using network::canonical::put_u64;

constexpr size_t kMaxNames = 64;        // devices, kernels
constexpr size_t kMaxNameBytes = 256;
constexpr size_t kMaxSubtasks = 1u << 20;

std::vector<uint8_t> tagged(const char* tag) { return std::vector<uint8_t>(tag, tag + std::char_traits<char>::length(tag)); }

Result<std::string> read_name(const flatbuffers::String* s, const char* what, bool required = true) {
  return network::read_text(s, what, kMaxNameBytes, required);
}

}  // namespace

// ---- signing ----

std::vector<uint8_t> Offer::signed_bytes() const {
  std::vector<uint8_t> out = tagged("strata-offer-v3");
  put_bytes(out, provider);
  put_string(out, offer_id);
  put_u64(out, devices.size());
  for (const OfferedDevice& d : devices) {
    put_string(out, d.name);
    put_string(out, d.backend);
    put_u64(out, d.memory_bytes);
  }
  put_u64(out, kernels.size());
  for (const KernelOffer& k : kernels) {
    put_string(out, k.kernel);
    put_u64(out, std::bit_cast<uint64_t>(k.speed));
    put_u64(out, k.price);
  }
  put_u64(out, max_subtasks);
  put_u64(out, expires_at);
  put_u64(out, sample_pieces);
  return out;
}
const KernelOffer* Offer::find(const std::string& kernel) const {
  auto it = std::find_if(kernels.begin(), kernels.end(), [&](const KernelOffer& k) { return k.kernel == kernel; });
  return it == kernels.end() ? nullptr : &*it;
}
void Offer::sign(const Identity& id) {
  provider = id.public_key();
  signature = id.sign(signed_bytes());
}
bool Offer::signature_valid() const { return verify_signature(provider, signed_bytes(), signature); }

std::vector<uint8_t> Demand::signed_bytes() const {
  std::vector<uint8_t> out = tagged("strata-demand-v2");
  put_bytes(out, requestor);
  put_string(out, job_id);
  put_string(out, kernel);
  put_u64(out, min_memory_bytes);
  put_u64(out, max_price);
  put_u64(out, deadline);
  put_u64(out, work);
  return out;
}
void Demand::sign(const Identity& id) {
  requestor = id.public_key();
  signature = id.sign(signed_bytes());
}
bool Demand::signature_valid() const { return verify_signature(requestor, signed_bytes(), signature); }

std::vector<uint8_t> Agreement::signed_bytes() const {
  std::vector<uint8_t> out = tagged("strata-agreement-v1");
  put_string(out, job_id);
  put_bytes(out, requestor);
  put_bytes(out, provider);
  put_u64(out, subtasks.size());
  for (uint32_t s : subtasks) put_u64(out, s);
  put_u64(out, price);
  put_u64(out, deadline);
  put_bytes(out, terms);
  return out;
}
void Agreement::sign_as_requestor(const Identity& id) {
  requestor = id.public_key();
  requestor_signature = id.sign(signed_bytes());
}
void Agreement::sign_as_provider(const Identity& id) {
  provider = id.public_key();
  provider_signature = id.sign(signed_bytes());
}
Status Agreement::check_requestor() const {
  if (!verify_signature(requestor, signed_bytes(), requestor_signature)) {
    return invalid_argument("agreement for job '" + job_id + "': the requestor's signature does not match");
  }
  return Status::ok();
}
Status Agreement::check() const {
  STRATA_RETURN_IF_ERROR(check_requestor());
  if (!verify_signature(provider, signed_bytes(), provider_signature)) {
    return invalid_argument("agreement for job '" + job_id + "': the provider's signature does not match");
  }
  return Status::ok();
}

std::array<uint8_t, 32> agreement_hash(const Agreement& a) { return blob_id_of(a.signed_bytes()); }

// ---- wire ----

std::vector<uint8_t> encode(const Offer& o) {
  flatbuffers::FlatBufferBuilder b(512);
  std::vector<flatbuffers::Offset<wire::DeviceInfo>> devices;
  for (const OfferedDevice& d : o.devices) {
    devices.push_back(wire::CreateDeviceInfo(b, b.CreateString(d.name), b.CreateString(d.backend), d.memory_bytes));
  }
  std::vector<flatbuffers::Offset<wire::KernelOffer>> kernels;
  for (const KernelOffer& k : o.kernels) kernels.push_back(wire::CreateKernelOffer(b, b.CreateString(k.kernel), k.speed, k.price));
  auto key = b.CreateVector(o.provider.data(), o.provider.size());
  auto id = b.CreateString(o.offer_id);
  auto dv = b.CreateVector(devices);
  auto kv = b.CreateVector(kernels);
  auto sig = b.CreateVector(o.signature.data(), o.signature.size());
  wire::OfferBuilder ob(b);
  ob.add_provider_key(key);
  ob.add_offer_id(id);
  ob.add_devices(dv);
  ob.add_kernels(kv);
  ob.add_max_subtasks(o.max_subtasks);
  ob.add_expires_at(o.expires_at);
  ob.add_signature(sig);
  ob.add_sample_pieces(o.sample_pieces);
  b.Finish(ob.Finish());
  return {b.GetBufferPointer(), b.GetBufferPointer() + b.GetSize()};
}

std::vector<uint8_t> encode(const Demand& d) {
  flatbuffers::FlatBufferBuilder b(256);
  auto key = b.CreateVector(d.requestor.data(), d.requestor.size());
  auto job = b.CreateString(d.job_id);
  auto kernel = b.CreateString(d.kernel);
  auto sig = b.CreateVector(d.signature.data(), d.signature.size());
  b.Finish(wire::CreateDemand(b, key, job, kernel, d.min_memory_bytes, d.max_price, d.deadline, d.work, sig));
  return {b.GetBufferPointer(), b.GetBufferPointer() + b.GetSize()};
}

std::vector<uint8_t> encode(const Agreement& a) {
  flatbuffers::FlatBufferBuilder b(256 + 4 * a.subtasks.size());
  auto job = b.CreateString(a.job_id);
  auto rk = b.CreateVector(a.requestor.data(), a.requestor.size());
  auto pk = b.CreateVector(a.provider.data(), a.provider.size());
  auto subtasks = b.CreateVector(a.subtasks);
  auto rs = b.CreateVector(a.requestor_signature.data(), a.requestor_signature.size());
  auto ps = b.CreateVector(a.provider_signature.data(), a.provider_signature.size());
  auto terms = b.CreateVector(a.terms.data(), a.terms.size());
  b.Finish(wire::CreateAgreement(b, job, rk, pk, subtasks, a.price, a.deadline, rs, ps, terms));
  return {b.GetBufferPointer(), b.GetBufferPointer() + b.GetSize()};
}

Result<Offer> decode_offer(std::span<const uint8_t> bytes) {
  const wire::Offer* w = verified_root<wire::Offer>(bytes, 8, 256);
  if (!w) return invalid_argument("offer: malformed (FlatBuffers verification failed)");
  Offer o;
  if (!copy_fixed(w->provider_key(), o.provider)) return invalid_argument("offer: the provider key must be 32 bytes");
  if (!copy_fixed(w->signature(), o.signature)) return invalid_argument("offer: the signature must be 64 bytes");
  auto id = read_name(w->offer_id(), "offer: the offer id");
  if (!id.is_ok()) return id.status();
  o.offer_id = *id;
  if (w->devices()) {
    if (w->devices()->size() > kMaxNames) return invalid_argument("offer: at most 64 devices");
    for (const wire::DeviceInfo* d : *w->devices()) {
      auto name = read_name(d->name(), "offer: a device name");
      auto backend = read_name(d->backend(), "offer: a device backend");
      if (!name.is_ok()) return name.status();
      if (!backend.is_ok()) return backend.status();
      o.devices.push_back(OfferedDevice{*name, *backend, d->memory_bytes()});
    }
  }
  if (w->kernels()) {
    if (w->kernels()->size() > kMaxNames) return invalid_argument("offer: at most 64 kernels");
    for (const wire::KernelOffer* k : *w->kernels()) {
      auto kernel = read_name(k->kernel(), "offer: a kernel name");
      if (!kernel.is_ok()) return kernel.status();
      if (o.find(*kernel)) return invalid_argument("offer: the kernel '" + *kernel + "' is listed twice");
      if (!std::isfinite(k->speed()) || k->speed() < 0) {
        return invalid_argument("offer: the speed of '" + *kernel + "' must be a finite, non-negative rate");
      }
      o.kernels.push_back(KernelOffer{*kernel, k->speed(), k->price()});
    }
  }
  o.max_subtasks = w->max_subtasks();
  o.expires_at = w->expires_at();
  o.sample_pieces = w->sample_pieces();
  if (o.sample_pieces == 0 || o.sample_pieces > kMaxTaskPieces) {
    return invalid_argument("offer: " + std::to_string(o.sample_pieces) + " sample pieces (1 to " +
                            std::to_string(kMaxTaskPieces) + ")");
  }
  if (!o.signature_valid()) return invalid_argument("offer '" + o.offer_id + "': the signature does not match the provider's key");
  return o;
}

Result<Demand> decode_demand(std::span<const uint8_t> bytes) {
  const wire::Demand* w = verified_root<wire::Demand>(bytes, 8, 16);
  if (!w) return invalid_argument("demand: malformed (FlatBuffers verification failed)");
  Demand d;
  if (!copy_fixed(w->requestor_key(), d.requestor)) return invalid_argument("demand: the requestor key must be 32 bytes");
  if (!copy_fixed(w->signature(), d.signature)) return invalid_argument("demand: the signature must be 64 bytes");
  auto job = network::read_job_id(w->job_id(), "demand: the job id");
  auto kernel = read_name(w->kernel(), "demand: the kernel");
  if (!job.is_ok()) return job.status();
  if (!kernel.is_ok()) return kernel.status();
  d.job_id = *job;
  d.kernel = *kernel;
  d.min_memory_bytes = w->min_memory_bytes();
  d.max_price = w->max_price();
  d.deadline = w->deadline();
  d.work = w->work();
  if (!d.signature_valid()) return invalid_argument("demand for job '" + d.job_id + "': the signature does not match the requestor's key");
  return d;
}

Result<Agreement> decode_agreement(std::span<const uint8_t> bytes, bool proposal) {
  const wire::Agreement* w = verified_root<wire::Agreement>(bytes, 8, 16);
  if (!w) return invalid_argument("agreement: malformed (FlatBuffers verification failed)");
  Agreement a;
  auto job = network::read_job_id(w->job_id(), "agreement: the job id");
  if (!job.is_ok()) return job.status();
  a.job_id = *job;
  if (!copy_fixed(w->requestor_key(), a.requestor) || !copy_fixed(w->provider_key(), a.provider)) {
    return invalid_argument("agreement: the keys must be 32 bytes");
  }
  if (!copy_fixed(w->requestor_signature(), a.requestor_signature) || !copy_fixed(w->provider_signature(), a.provider_signature)) {
    return invalid_argument("agreement: both signatures must be 64 bytes");
  }
  if (w->subtasks()) {
    if (w->subtasks()->size() > kMaxSubtasks) return invalid_argument("agreement: too many subtasks");
    a.subtasks.assign(w->subtasks()->begin(), w->subtasks()->end());
  }
  a.price = w->price();
  a.deadline = w->deadline();
  if (!copy_fixed(w->terms(), a.terms)) return invalid_argument("agreement: the terms hash must be 32 bytes");
  STRATA_RETURN_IF_ERROR(proposal ? a.check_requestor() : a.check());
  return a;
}

// ---- matching ----

std::vector<Offer> match_offers(const Demand& demand, const std::vector<Offer>& offers, uint64_t now_ms,
                                SignatureCheck signatures) {
  std::vector<Offer> fit;
  for (const Offer& o : offers) {
    const KernelOffer* k = o.find(demand.kernel);
    if (!k || o.expires_at <= now_ms || k->price > demand.max_price || !(k->speed > 0)) continue;
    bool memory = std::any_of(o.devices.begin(), o.devices.end(),
                              [&](const OfferedDevice& d) { return d.memory_bytes >= demand.min_memory_bytes; });
    if (!memory || (signatures == SignatureCheck::kVerify && !o.signature_valid())) continue;
    fit.push_back(o);
  }
  std::stable_sort(fit.begin(), fit.end(), [&](const Offer& a, const Offer& b) {
    const KernelOffer &ka = *a.find(demand.kernel), &kb = *b.find(demand.kernel);
    if (ka.price != kb.price) return ka.price < kb.price;
    return ka.speed > kb.speed;
  });
  return fit;
}

}  // namespace strata::compute
