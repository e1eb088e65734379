#include "network/api_token.h"

#include <sodium.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "network/private_file.h"

namespace strata::network {

Result<std::string> read_api_token(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return not_found("cannot read the API token file '" + path + "'");
  std::string text(80, '\0');
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  text.resize(static_cast<size_t>(in.gcount()));
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
  if (text.size() != 64 || text.find_first_not_of("0123456789abcdef") != std::string::npos) {
    return invalid_argument("the API token file '" + path + "' is damaged: expected 64 hexadecimal digits");
  }
  return text;
}

Result<std::string> load_or_create_api_token(const std::string& data_dir) {
  if (sodium_init() < 0) return internal_error("libsodium failed to initialize");
  std::error_code ec;
  std::filesystem::create_directories(data_dir, ec);
  if (ec) return io_error("cannot create data directory '" + data_dir + "': " + ec.message());
  const std::string path = (std::filesystem::path(data_dir) / kApiTokenFile).string();
  if (std::filesystem::exists(path, ec)) {
    STRATA_RETURN_IF_ERROR(check_private_file(path));
    return read_api_token(path);
  }
  unsigned char random[32];
  randombytes_buf(random, sizeof random);
  char hex[65];
  sodium_bin2hex(hex, sizeof hex, random, sizeof random);
  sodium_memzero(random, sizeof random);
  std::string token(hex, 64);
  std::string line = token + "\n";
  STRATA_RETURN_IF_ERROR(write_private_file(path, std::span(reinterpret_cast<const uint8_t*>(line.data()), line.size())));
  return token;
}

}  // namespace strata::network
