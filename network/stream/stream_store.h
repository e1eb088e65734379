// Durable storage of stream messages in RocksDB, ordered by (stream, partition, timestamp,
// sequence), with the three resend queries: the last N messages, everything from a position,
// and a range; and the signed metadata of the streams the node knows. put() returns only after the write is in the synced write-ahead log, so a
// message acknowledged as stored survives kill -9.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "host/status.h"
#include "network/stream/stream_message.h"
#include "network/stream/stream_registry.h"

namespace strata::network {

// How much one read of the store may return.
struct ReadBound {
  size_t messages = SIZE_MAX;
  size_t payload_bytes = SIZE_MAX;  // the messages' payloads together
};

class StreamStore {
 public:
  // Its own database at `dir`, or its column families in the node's database.
  static Result<std::unique_ptr<StreamStore>> open(const std::string& dir);
  static Result<std::unique_ptr<StreamStore>> open(std::shared_ptr<class NodeDb> db);
  ~StreamStore();

  Status put(const StreamMessage& message);
  // Stream metadata, kept so a restarted node knows its streams before any peer tells it.
  Status put_metadata(const StreamMetadata& metadata);
  Result<std::vector<StreamMetadata>> all_metadata();

  // A read stops at its bound (so a query for a whole partition costs no more than that), and
  // says so in `cut_short` when given.
  // Messages of one partition, oldest first: the newest `count`, or those from `first` on.
  Result<std::vector<StreamMessage>> last(const std::string& stream, uint32_t partition, size_t count,
                                          ReadBound bound = {}, bool* cut_short = nullptr);
  Result<std::vector<StreamMessage>> from(const std::string& stream, uint32_t partition, MessageRef first,
                                          ReadBound bound = {}, bool* cut_short = nullptr);
  // From `first` up to and including `last`.
  Result<std::vector<StreamMessage>> range(const std::string& stream, uint32_t partition, MessageRef first,
                                           MessageRef last, ReadBound bound = {}, bool* cut_short = nullptr);

  struct Impl;

 private:
  explicit StreamStore(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace strata::network
