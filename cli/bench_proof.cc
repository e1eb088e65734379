// strata bench proof: the proof family's rates per device: the kernel's compressions/s with the
// data on the device (the figure hashcat's benchmark gives, one short password being one
// compression), then with transfers and the host's packing counted, hashes/s of 64-byte items,
// compressions/s over long items, Merkle leaves/s, and Ed25519 verifications/s beside
// libsodium's on one core and on all.
#include <chrono>
#include <cstdio>

#include "cli/bench_devices.h"
#include "host/proof/batch_hash.h"
#include "host/proof/signatures.h"
#include "host/thread_pool.h"

#include <sodium.h>

namespace strata::cli {
namespace {

struct ProofBenchOptions {
  std::vector<std::string> devices;
  std::vector<std::string> algos{"sha256", "keccak256", "blake2b"};
  size_t short_items = size_t(1) << 20;
  size_t long_items = 256;
  size_t long_kib = 64;
  size_t leaves = size_t(1) << 20;
  int repeats = 3;
  size_t signatures = 4096;
};

// Signed 64-byte messages under several keys, for the verification rates.
struct SignedBatch {
  std::vector<std::array<uint8_t, 64>> messages;
  std::vector<proof::SignatureClaim> claims;
};
SignedBatch signed_batch(size_t n) {
  SignedBatch b;
  b.messages.resize(n);
  b.claims.resize(n);
  std::array<uint8_t, 32> key;
  std::array<uint8_t, 64> secret;
  for (size_t i = 0; i < n; ++i) {
    if (i % 64 == 0) crypto_sign_keypair(key.data(), secret.data());
    for (size_t j = 0; j < 64; ++j) b.messages[i][j] = static_cast<uint8_t>(i * 31 + j);
    b.claims[i].public_key = key;
    b.claims[i].message = b.messages[i];
    crypto_sign_detached(b.claims[i].signature.data(), nullptr, b.messages[i].data(), 64, secret.data());
  }
  return b;
}

// libsodium's crypto_sign_verify_detached over the batch on `threads` threads: verifications/s.
double libsodium_rate(const SignedBatch& b, unsigned threads) {
  auto t0 = std::chrono::steady_clock::now();
  parallel_for(b.claims.size(), [&](size_t i) {
    const proof::SignatureClaim& c = b.claims[i];
    if (crypto_sign_verify_detached(c.signature.data(), c.message.data(), c.message.size(), c.public_key.data()) != 0) {
      std::abort();  // the batch was signed just now
    }
  }, threads);
  return b.claims.size() / std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}


// The best of `repeats` timed runs of `run`, after one untimed one (kernel compilation, caches).
template <typename Fn>
Result<double> best_seconds(int repeats, Fn run) {
  STRATA_RETURN_IF_ERROR(run());
  double best = 1e30;
  for (int i = 0; i < repeats; ++i) {
    auto t0 = std::chrono::steady_clock::now();
    STRATA_RETURN_IF_ERROR(run());
    best = std::min(best, std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
  }
  return best;
}

void row(const Device& d, const std::string& what, proof::HashAlgo algo, size_t count, size_t bytes, const Result<double>& s,
         double per_item_units) {
  if (!s.is_ok()) {
    std::printf("%-10s %-10s %-9s %s\n", d.info().id().c_str(), what.c_str(), std::string(proof::algo_name(algo)).c_str(),
                s.status().to_string().c_str());
    return;
  }
  std::printf("%-10s %-10s %-9s %9zu %9zu %9.4f %12.4g %14.4g\n", d.info().id().c_str(), what.c_str(),
              std::string(proof::algo_name(algo)).c_str(), count, bytes, *s, count / *s, count * per_item_units / *s);
  std::fflush(stdout);
}

int run_proof_bench(const ProofBenchOptions& o) {
  std::vector<std::unique_ptr<Device>> devices = open_bench_devices(o.devices);
  std::vector<uint8_t> short_data(o.short_items * 64), long_data(o.long_items * o.long_kib * 1024);
  for (size_t i = 0; i < short_data.size(); ++i) short_data[i] = static_cast<uint8_t>(i * 2654435761u >> 13);
  for (size_t i = 0; i < long_data.size(); ++i) long_data[i] = static_cast<uint8_t>(i * 2246822519u >> 11);
  auto slices = [](const std::vector<uint8_t>& data, size_t size) {
    std::vector<proof::Item> items;
    for (size_t at = 0; at + size <= data.size(); at += size) items.emplace_back(data.data() + at, size);
    return items;
  };
  std::vector<proof::Item> short_items = slices(short_data, 64), long_items = slices(long_data, o.long_kib * 1024);
  std::vector<proof::Item> leaves = slices(short_data, 32);
  leaves.resize(std::min(leaves.size(), o.leaves));
  if (sodium_init() < 0) return 1;
  SignedBatch signatures = signed_batch(o.signatures);
  std::printf("# libsodium crypto_sign_verify_detached, 64-byte messages: %.4g/s on one core, %.4g/s on %u\n",
              libsodium_rate(signatures, 1), libsodium_rate(signatures, 0), hardware_threads());
  std::printf("# kernel: the data on the device; the others: packing and transfers counted, the best of %d runs\n", o.repeats);
  std::printf("%-10s %-10s %-9s %9s %9s %9s %12s %14s\n", "device", "what", "algo", "items", "bytes", "seconds", "items/s",
              "compressions/s");
  for (auto& device : devices) {
    Status ready = proof::proof_self_test(*device);
    if (!ready.is_ok()) {
      std::printf("# %s: %s\n", device->info().id().c_str(), ready.to_string().c_str());
      continue;
    }
    auto verify = [&]() -> Status {
      auto verdicts = proof::verify_ed25519(*device, signatures.claims);
      if (!verdicts.is_ok()) return verdicts.status();
      for (bool v : *verdicts) {
        if (!v) return internal_error("a valid signature was refused");
      }
      return Status::ok();
    };
    auto seconds = best_seconds(o.repeats, verify);
    if (seconds.is_ok()) {
      std::printf("%-10s %-10s %-9s %9zu %9d %9.4f %12.4g %14s\n", device->info().id().c_str(), "ed25519", "verify",
                  signatures.claims.size(), 64, *seconds, signatures.claims.size() / *seconds, "-");
    } else {
      std::printf("%-10s %-10s %s\n", device->info().id().c_str(), "ed25519", seconds.status().to_string().c_str());
    }
    for (const std::string& name : o.algos) {
      auto algo = proof::parse_hash_algo(name);
      if (!algo.is_ok()) {
        std::fprintf(stderr, "strata bench proof: %s\n", algo.status().message().c_str());
        return 1;
      }
      auto kernel = proof::kernel_compressions_per_second(*device, *algo, 0.5, o.repeats);
      if (kernel.is_ok()) {
        std::printf("%-10s %-10s %-9s %9s %9s %9s %12s %14.4g\n", device->info().id().c_str(), "kernel", name.c_str(), "-",
                    "-", "-", "-", *kernel);
      } else {
        std::printf("%-10s %-10s %-9s %s\n", device->info().id().c_str(), "kernel", name.c_str(),
                    kernel.status().to_string().c_str());
      }
      auto hash = [&](const std::vector<proof::Item>& items) {
        return [&, items_ptr = &items]() -> Status { return proof::hash_items(*device, *algo, *items_ptr).status(); };
      };
      row(*device, "hash", *algo, short_items.size(), 64, best_seconds(o.repeats, hash(short_items)),
          double(proof::compressions_of(*algo, 64)));
      row(*device, "hash-long", *algo, long_items.size(), o.long_kib * 1024, best_seconds(o.repeats, hash(long_items)),
          double(proof::compressions_of(*algo, o.long_kib * 1024)));
      auto tree = [&]() -> Status { return proof::merkle_tree(*device, *algo, leaves).status(); };
      // A tree of n leaves hashes n leaves (33 bytes each) and n - 1 nodes (65 bytes each).
      double per_leaf = double(proof::compressions_of(*algo, 33)) + double(proof::compressions_of(*algo, 65));
      row(*device, "merkle", *algo, leaves.size(), 32, best_seconds(o.repeats, tree), per_leaf);
    }
  }
  return 0;
}

}  // namespace

Runner add_bench_proof_command(CLI::App& bench) {
  auto* cmd = bench.add_subcommand("proof", "Hashes/s, compressions/s and Merkle leaves/s per device");
  auto o = std::make_shared<ProofBenchOptions>();
  cmd->add_option("--devices", o->devices, "Devices to measure (default: every device present)")->delimiter(',');
  cmd->add_option("--algos", o->algos, "sha256, keccak256, blake2b")->delimiter(',');
  cmd->add_option("--items", o->short_items, "64-byte items per batch");
  cmd->add_option("--long-items", o->long_items, "Long items per batch");
  cmd->add_option("--long-kib", o->long_kib, "Size of a long item in KiB");
  cmd->add_option("--leaves", o->leaves, "Leaves of the Merkle tree (32 bytes each, at most --items * 2)");
  cmd->add_option("--repeats", o->repeats, "Timed runs per figure (the best is reported)");
  cmd->add_option("--signatures", o->signatures, "Ed25519 signatures per batch");
  return [o, cmd] {
    if (!cmd->parsed()) return 1;
    return run_proof_bench(*o);
  };
}

}  // namespace strata::cli
