#include "host/analytics/query.h"

#include <charconv>
#include <nlohmann/json.hpp>

#include "host/analytics/sketch.h"

namespace strata::analytics {
namespace {

constexpr int64_t kMaxDurationMs = int64_t(24) * 24 * 3600 * 1000;  // a pane's offsets stay below 2^31

std::string duration_text(int64_t ms) {
  struct Unit {
    int64_t ms;
    const char* suffix;
  };
  for (Unit u : {Unit{86400000, "d"}, Unit{3600000, "h"}, Unit{60000, "m"}, Unit{1000, "s"}}) {
    if (ms % u.ms == 0) return std::to_string(ms / u.ms) + u.suffix;
  }
  return std::to_string(ms) + "ms";
}

}  // namespace

std::string WindowSpec::to_string() const {
  if (kind == Kind::kTumbling) return "tumbling:" + duration_text(size_ms);
  if (kind == Kind::kSession) return "session:" + duration_text(size_ms);
  return "sliding:" + duration_text(size_ms) + "/" + duration_text(slide_ms);
}

Result<int64_t> parse_duration_ms(std::string_view text) {
  size_t digits = 0;
  while (digits < text.size() && text[digits] >= '0' && text[digits] <= '9') ++digits;
  const std::string_view unit = text.substr(digits);
  int64_t scale = 0;
  if (unit == "ms") scale = 1;
  else if (unit == "s") scale = 1000;
  else if (unit == "m") scale = 60000;
  else if (unit == "h") scale = 3600000;
  else if (unit == "d") scale = 86400000;
  uint64_t n = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + digits, n);
  if (digits == 0 || scale == 0 || error != std::errc() || n == 0 || n > uint64_t(kMaxDurationMs / scale)) {
    return invalid_argument("duration \"" + std::string(text) +
                            "\": expected a positive whole number with ms, s, m, h or d, at most 24d");
  }
  return int64_t(n) * scale;
}

Result<WindowSpec> parse_window(std::string_view text) {
  const size_t colon = text.find(':');
  const std::string_view kind = text.substr(0, colon);
  const std::string_view rest = colon == std::string_view::npos ? std::string_view() : text.substr(colon + 1);
  WindowSpec w;
  if (kind == "tumbling") {
    auto size = parse_duration_ms(rest);
    if (!size.is_ok()) return invalid_argument("window \"" + std::string(text) + "\": " + size.status().message());
    w.kind = WindowSpec::Kind::kTumbling, w.size_ms = w.slide_ms = *size;
    return w;
  }
  if (kind == "sliding") {
    const size_t slash = rest.find('/');
    if (slash == std::string_view::npos) {
      return invalid_argument("window \"" + std::string(text) + "\": a sliding window is sliding:SIZE/SLIDE");
    }
    auto size = parse_duration_ms(rest.substr(0, slash));
    auto slide = parse_duration_ms(rest.substr(slash + 1));
    if (!size.is_ok()) return invalid_argument("window \"" + std::string(text) + "\": " + size.status().message());
    if (!slide.is_ok()) return invalid_argument("window \"" + std::string(text) + "\": " + slide.status().message());
    if (*size % *slide != 0 || *size / *slide > 10000) {
      return invalid_argument("window \"" + std::string(text) +
                              "\": the size must be a whole number of slides, at most 10000 of them");
    }
    w.kind = WindowSpec::Kind::kSliding, w.size_ms = *size, w.slide_ms = *slide;
    return w;
  }
  if (kind == "session") {
    auto gap = parse_duration_ms(rest);
    if (!gap.is_ok()) return invalid_argument("window \"" + std::string(text) + "\": " + gap.status().message());
    w.kind = WindowSpec::Kind::kSession, w.size_ms = w.slide_ms = *gap;
    return w;
  }
  return invalid_argument("window \"" + std::string(text) +
                          "\": expected tumbling:SIZE, sliding:SIZE/SLIDE or session:GAP (for example tumbling:10s)");
}

std::string Aggregates::to_string() const {
  std::string out;
  auto add = [&](bool on, const std::string& name) {
    if (on) out += (out.empty() ? "" : ",") + name;
  };
  add(count, "count"), add(sum, "sum"), add(min, "min"), add(max, "max"), add(mean, "mean"), add(var, "var");
  for (const std::string& q : quantile_names) add(true, q);
  add(top > 0, "top" + std::to_string(top));
  return out;
}

Result<Aggregates> parse_aggregates(std::string_view text) {
  Aggregates a;
  size_t begin = 0;
  while (begin <= text.size()) {
    size_t comma = text.find(',', begin);
    if (comma == std::string_view::npos) comma = text.size();
    const std::string_view name = text.substr(begin, comma - begin);
    begin = comma + 1;
    if (name == "count") a.count = true;
    else if (name == "sum") a.sum = true;
    else if (name == "min") a.min = true;
    else if (name == "max") a.max = true;
    else if (name == "mean") a.mean = true;
    else if (name == "var") a.var = true;
    else if (name.size() > 3 && name.substr(0, 3) == "top") {
      uint32_t n = 0;
      const auto [end, error] = std::from_chars(name.data() + 3, name.data() + name.size(), n);
      if (error != std::errc() || end != name.data() + name.size() || n == 0 || n > 1000) {
        return invalid_argument("aggregate \"" + std::string(name) + "\": topN takes N from 1 to 1000");
      }
      a.top = n;
    } else if (name.size() > 1 && name[0] == 'p' && name.find_first_not_of("0123456789.", 1) == std::string_view::npos) {
      double q = 0;
      if (!parse_quantile_name(std::string(name), q)) {
        return invalid_argument("aggregate \"" + std::string(name) +
                                "\": a quantile is pN from p0 to p100, with at most three decimals (p99.9)");
      }
      if (a.quantiles.size() == 16) return invalid_argument("aggregates: at most 16 quantiles");
      a.quantile_names.emplace_back(name), a.quantiles.push_back(q);
    } else {
      return invalid_argument("aggregate \"" + std::string(name) +
                              "\": expected count, sum, min, max, mean, var, pN or topN");
    }
  }
  return a;
}

Status check_query(const Query& q) {
  for (const auto* field : {&q.time_field, &q.key_field, &q.value_field}) {
    if (field->empty() || field->size() > 128) {
      return invalid_argument("query: field names take 1 to 128 bytes (time \"" + q.time_field + "\", group-by \"" +
                              q.key_field + "\", value \"" + q.value_field + "\")");
    }
  }
  if (q.scale < 0 || q.scale > 12) return invalid_argument("query: a scale of 0 to 12 decimal digits");
  if (q.lateness_ms < 0 || q.lateness_ms > kMaxDurationMs) return invalid_argument("query: lateness of 0 to 24d");
  const WindowSpec& w = q.window;
  if (w.slide_ms <= 0 || w.size_ms < w.slide_ms || w.size_ms % w.slide_ms != 0 || w.size_ms > kMaxDurationMs ||
      w.size_ms / w.slide_ms > 10000 || (w.kind != WindowSpec::Kind::kSliding && w.size_ms != w.slide_ms)) {
    return invalid_argument("query: window " + std::to_string(w.size_ms) + " ms sliding by " +
                            std::to_string(w.slide_ms) + " ms");
  }
  const Aggregates& a = q.aggregates;
  if (!(a.count || a.sum || a.min || a.max || a.mean || a.var || a.top || a.needs_sketch())) {
    return invalid_argument("query: no aggregates");
  }
  if (a.top && w.sessions()) {
    return invalid_argument("query: topN ranks the keys of a window, and a session window holds one key");
  }
  return Status::ok();
}

Result<Query> query_from_flags(const QueryFlags& f) {
  Query q;
  auto window = parse_window(f.window);
  if (!window.is_ok()) return window.status();
  q.window = *window;
  auto aggregates = parse_aggregates(f.agg);
  if (!aggregates.is_ok()) return aggregates.status();
  q.aggregates = *aggregates;
  if (f.lateness != "0" && f.lateness != "0ms" && f.lateness != "0s") {
    auto lateness = parse_duration_ms(f.lateness);
    if (!lateness.is_ok()) return invalid_argument("--lateness: " + lateness.status().message());
    q.lateness_ms = *lateness;
  }
  q.time_field = f.time_field, q.key_field = f.group_by, q.value_field = f.value, q.scale = f.scale;
  STRATA_RETURN_IF_ERROR(check_query(q));
  return q;
}

nlohmann::json query_to_json(const Query& q) {
  return {{"window", q.window.to_string()}, {"time_field", q.time_field}, {"group_by", q.key_field},
          {"value", q.value_field},         {"scale", q.scale},           {"lateness_ms", q.lateness_ms},
          {"agg", q.aggregates.to_string()}};
}

Result<Query> query_from_json(const nlohmann::json& json) {
  if (!json.is_object()) return invalid_argument("query: not a JSON object");
  auto text = [&](const char* name) -> Result<std::string> {
    auto it = json.find(name);
    if (it == json.end() || !it->is_string()) return invalid_argument(std::string("query: \"") + name + "\" must be a string");
    return it->get<std::string>();
  };
  auto integer = [&](const char* name) -> Result<int64_t> {
    auto it = json.find(name);
    if (it == json.end() || !it->is_number_integer()) {
      return invalid_argument(std::string("query: \"") + name + "\" must be an integer");
    }
    return it->get<int64_t>();
  };
  Query q;
  auto window = text("window");
  if (!window.is_ok()) return window.status();
  auto w = parse_window(*window);
  if (!w.is_ok()) return w.status();
  q.window = *w;
  for (auto [name, into] : {std::pair{"time_field", &q.time_field}, std::pair{"group_by", &q.key_field},
                            std::pair{"value", &q.value_field}}) {
    auto v = text(name);
    if (!v.is_ok()) return v.status();
    *into = *v;
  }
  auto scale = integer("scale");
  if (!scale.is_ok()) return scale.status();
  auto lateness = integer("lateness_ms");
  if (!lateness.is_ok()) return lateness.status();
  if (*scale < 0 || *scale > 12) return invalid_argument("query: a scale of 0 to 12 decimal digits");
  q.scale = static_cast<int>(*scale), q.lateness_ms = *lateness;
  auto agg = text("agg");
  if (!agg.is_ok()) return agg.status();
  auto aggregates = parse_aggregates(*agg);
  if (!aggregates.is_ok()) return aggregates.status();
  q.aggregates = *aggregates;
  STRATA_RETURN_IF_ERROR(check_query(q));
  return q;
}

}  // namespace strata::analytics
