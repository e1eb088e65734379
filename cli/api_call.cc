#include "cli/api_call.h"

#include <cstdlib>
#include <filesystem>

#include "network/api_token.h"

namespace strata::cli {

using json = nlohmann::json;

namespace {

std::string default_api() {
  const char* env = std::getenv("STRATA_API");
  return env && *env ? env : "127.0.0.1:7701";
}

Result<std::string> api_token(const ApiOptions& o) {
  if (!o.token_file.empty()) return network::read_api_token(o.token_file);
  if (!o.data_dir.empty()) return network::read_api_token((std::filesystem::path(o.data_dir) / network::kApiTokenFile).string());
  const char* env = std::getenv("STRATA_API_TOKEN");
  if (env && *env) return std::string(env);
  std::string fallback = std::string("strata-node/") + network::kApiTokenFile;
  std::error_code ec;
  if (std::filesystem::exists(fallback, ec)) return network::read_api_token(fallback);
  return invalid_argument("no API token: give --token-file PATH or --data DIR (the node's data directory), "
                          "or set STRATA_API_TOKEN");
}

}  // namespace

void add_api_options(CLI::App* cmd, ApiOptions& o) {
  if (o.api.empty()) o.api = default_api();
  cmd->add_option("--api", o.api, "The node's API, HOST:PORT (or STRATA_API)")->capture_default_str();
  cmd->add_option("--token-file", o.token_file, "The node's API token file (DATA/api.token)");
  cmd->add_option("--data", o.data_dir, "The node's data directory, for its API token");
}

Result<network::ApiAddress> api_address(const ApiOptions& o) {
  auto address = network::parse_host_port(o.api.empty() ? default_api() : o.api);
  if (!address.is_ok()) return invalid_argument("--api: " + address.status().message());
  auto token = api_token(o);
  if (!token.is_ok()) return token.status();
  network::ApiAddress out;
  static_cast<network::HostPort&>(out) = *address;
  out.token = std::move(*token);
  return out;
}

Result<json> api_call(const ApiOptions& o, const std::string& method, const std::string& target, const std::string& body) {
  auto address = api_address(o);
  if (!address.is_ok()) return address.status();
  auto response = network::http_request(*address, method, target, body, std::chrono::seconds(600));
  if (!response.is_ok()) return response.status();
  json parsed = json::parse(response->body, nullptr, false);
  if (response->status / 100 != 2) {
    std::string why = parsed.is_object() && parsed.contains("error") && parsed["error"].is_string()
                          ? parsed["error"].get<std::string>()
                          : response->body;
    why += " (HTTP " + std::to_string(response->status) + ")";
    return response->status == 503 ? unavailable(why) : invalid_argument(why);
  }
  if (parsed.is_discarded()) return internal_error("the node answered with something that is not JSON");
  return parsed;
}

}  // namespace strata::cli
