#include "cli/api_call.h"

namespace strata::cli {

using json = nlohmann::json;

Result<json> api_call(const std::string& api, const std::string& method, const std::string& target,
                      const std::string& body) {
  auto address = network::parse_host_port(api);
  if (!address.is_ok()) return invalid_argument("--api: " + address.status().message());
  auto response = network::http_request(*address, method, target, body, std::chrono::seconds(600));
  if (!response.is_ok()) return response.status();
  json parsed = json::parse(response->body, nullptr, false);
  if (response->status / 100 != 2) {
    std::string why = parsed.is_object() && parsed.contains("error") ? parsed["error"].get<std::string>() : response->body;
    why += " (HTTP " + std::to_string(response->status) + ")";
    return response->status == 503 ? unavailable(why) : invalid_argument(why);
  }
  if (parsed.is_discarded()) return internal_error("the node answered with something that is not JSON");
  return parsed;
}

}  // namespace strata::cli
