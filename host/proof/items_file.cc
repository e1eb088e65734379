#include "host/proof/items_file.h"

#include <sodium.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "host/json_depth.h"

namespace strata::proof {
namespace {

using json = nlohmann::json;

// One line of at most `max` bytes; a longer one is consumed to its end and reported as such.
// False at the end of the input.
bool next_line(std::streambuf& in, size_t max, std::string& line, bool& too_long) {
  line.clear();
  too_long = false;
  bool any = false;
  for (int c; (c = in.sbumpc()) != std::char_traits<char>::eof();) {
    any = true;
    if (c == '\n') return true;
    if (line.size() < max) {
      line.push_back(static_cast<char>(c));
    } else {
      too_long = true;
    }
  }
  return any;
}

Result<std::vector<uint8_t>> read_field(const json& record, const std::string& name, size_t max_bytes) {
  auto bounded = [&](Result<std::vector<uint8_t>> bytes, const std::string& key) -> Result<std::vector<uint8_t>> {
    if (!bytes.is_ok()) return invalid_argument("\"" + key + "\": " + bytes.status().message());
    if (bytes->size() > max_bytes) {
      return invalid_argument("\"" + key + "\" holds " + std::to_string(bytes->size()) + " bytes, over the bound of " +
                              std::to_string(max_bytes));
    }
    return bytes;
  };
  auto text = [&](const std::string& key) -> const std::string* {
    auto it = record.find(key);
    return it != record.end() && it->is_string() ? it->get_ptr<const std::string*>() : nullptr;
  };
  if (name == "data") {
    if (const std::string* hex = text("data_hex")) return bounded(from_hex(*hex), "data_hex");
    if (const std::string* b64 = text("data_base64")) return bounded(from_base64(*b64), "data_base64");
    return invalid_argument("no \"data_hex\" or \"data_base64\" string");
  }
  if (const std::string* hex = text(name)) return bounded(from_hex(*hex), name);
  return invalid_argument("no \"" + name + "\" string");
}

}  // namespace

Result<ItemsRead> read_json_lines(std::istream& in, const std::vector<std::string>& fields, size_t max_records,
                                  size_t max_field_bytes) {
  if (sodium_init() < 0) return internal_error("libsodium failed to initialize");
  ItemsRead read;
  read.fields = fields.size();
  // Hex takes two characters a byte; the rest of a line is keys and punctuation.
  const size_t max_line = fields.size() * (2 * max_field_bytes + 64) + 1024;
  std::string line;
  bool too_long = false;
  for (uint64_t number = 1; next_line(*in.rdbuf(), max_line, line, too_long); ++number) {
    auto refuse = [&](const std::string& why) { read.errors.push_back({number, why}); };
    if (too_long) {
      refuse("over " + std::to_string(max_line) + " bytes");
      continue;
    }
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.find_first_not_of(" \t") == std::string::npos) continue;  // blank
    if (read.records() >= max_records) return invalid_argument("over " + std::to_string(max_records) + " records");
    if (json_depth(line) > 8) {
      refuse("nested too deep");
      continue;
    }
    json record = json::parse(line, nullptr, false);
    if (record.is_discarded() || !record.is_object()) {
      refuse("not a JSON object");
      continue;
    }
    std::vector<std::vector<uint8_t>> values;
    std::string why;
    for (const std::string& f : fields) {
      auto value = read_field(record, f, max_field_bytes);
      if (!value.is_ok()) {
        why = value.status().message();
        break;
      }
      values.push_back(std::move(*value));
    }
    if (!why.empty()) {
      refuse(why);
      continue;
    }
    for (auto& v : values) read.values.push_back(std::move(v));
    read.lines.push_back(number);
  }
  if (in.bad()) return unavailable("the items could not be read");
  return read;
}

Result<ItemsRead> read_raw_items(const std::string& path, size_t item_size, size_t max_records) {
  if (item_size == 0 || item_size > kMaxProofItemBytes) {
    return invalid_argument("--raw SIZE must be from 1 to " + std::to_string(kMaxProofItemBytes));
  }
  std::ifstream in(path, std::ios::binary | std::ios::ate);
  if (!in) return not_found("cannot open '" + path + "'");
  uint64_t size = static_cast<uint64_t>(in.tellg());
  if (size % item_size) {
    return invalid_argument("'" + path + "' holds " + std::to_string(size) + " bytes, not a whole number of " +
                            std::to_string(item_size) + "-byte items");
  }
  if (size / item_size > max_records) return invalid_argument("over " + std::to_string(max_records) + " records");
  in.seekg(0);
  ItemsRead read;
  for (uint64_t i = 0; i < size / item_size; ++i) {
    std::vector<uint8_t> item(item_size);
    if (!in.read(reinterpret_cast<char*>(item.data()), static_cast<std::streamsize>(item_size))) {
      return unavailable("'" + path + "' could not be read");
    }
    read.values.push_back(std::move(item));
    read.lines.push_back(i);
  }
  return read;
}

}  // namespace strata::proof
