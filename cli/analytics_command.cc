// strata analytics run: a windowed group-by query over a file of JSON events (one per line, or
// "-" for standard input), aggregated on this machine's device; one JSON line per closed window
// and key group on standard output (or --output-file), the query's totals on standard error.
#include <cstdio>
#include <memory>
#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "host/analytics/windowed_query.h"
#include "host/device.h"

namespace strata::cli {
namespace {

struct AnalyticsOptions {
  std::string input_stream;
  std::string input_file;
  std::string output_stream;
  std::string output_file;
  analytics::QueryFlags query;
  std::string device = "auto";
  size_t batch_events = size_t(1) << 20;
};

int fail(const std::string& what) {
  std::fprintf(stderr, "strata analytics run: %s\n", what.c_str());
  return 1;
}

// Reads lines of at most `limit` bytes; a longer one is skipped to its end and reported as such.
class LineReader {
 public:
  enum class Got { kLine, kTooLong, kEnd };
  LineReader(FILE* file, size_t limit) : file_(file), limit_(limit) {}
  Got next(std::string& line) {
    line.clear();
    bool too_long = false;
    for (int c; (c = std::getc(file_)) != EOF;) {
      if (c == '\n') return too_long ? Got::kTooLong : Got::kLine;
      if (line.size() < limit_) line.push_back(static_cast<char>(c));
      else too_long = true;
    }
    if (too_long) return Got::kTooLong;
    return line.empty() ? Got::kEnd : Got::kLine;
  }

 private:
  FILE* file_;
  size_t limit_;
};

int run_query(const AnalyticsOptions& o) {
  if (!o.input_stream.empty() || !o.output_stream.empty()) {
    return fail("continuous jobs on a node's streams (--input, --output) are not supported yet; "
                "run the query over a file with --input-file");
  }
  if (o.input_file.empty()) return fail("name the events with --input-file FILE (\"-\" for standard input)");
  auto query = analytics::query_from_flags(o.query);
  if (!query.is_ok()) return fail(query.status().message());
  FILE* in = o.input_file == "-" ? stdin : std::fopen(o.input_file.c_str(), "rb");
  if (!in) return fail("cannot open " + o.input_file);
  std::unique_ptr<FILE, int (*)(FILE*)> in_closer(in == stdin ? nullptr : in, std::fclose);
  FILE* out = o.output_file.empty() ? stdout : std::fopen(o.output_file.c_str(), "wb");
  if (!out) return fail("cannot write " + o.output_file);
  std::unique_ptr<FILE, int (*)(FILE*)> out_closer(out == stdout ? nullptr : out, std::fclose);

  auto device = open_device(o.device);
  if (!device.is_ok()) return fail(device.status().to_string());
  Status tested = self_test(**device);
  if (!tested.is_ok()) return fail(tested.to_string());

  analytics::WindowedQuery run(*query, **device, {o.batch_events, {}});
  auto write = [&] {
    for (const nlohmann::json& m : run.take_output()) std::fprintf(out, "%s\n", m.dump().c_str());
  };
  LineReader reader(in, analytics::kMaxEventBytes);
  std::string line;
  for (;;) {
    const LineReader::Got got = reader.next(line);
    if (got == LineReader::Got::kEnd) break;
    if (line.empty() && got == LineReader::Got::kLine) continue;  // blank lines are not events
    analytics::Event too_long;
    too_long.malformed = analytics::Malformed::kNotJson;
    Status s = got == LineReader::Got::kTooLong ? run.add(too_long) : run.add_text(line);
    if (!s.is_ok()) return fail(s.to_string());
    write();
  }
  if (std::ferror(in)) return fail("reading " + o.input_file + " failed");
  Status s = run.finish();
  if (!s.is_ok()) return fail(s.to_string());
  write();
  nlohmann::json totals = run.totals().to_json();
  totals["device"] = (*device)->info().id();
  std::fprintf(stderr, "%s\n", totals.dump().c_str());
  if (std::fflush(out) != 0) return fail("writing the output failed");
  return 0;
}

}  // namespace

Runner add_analytics_command(CLI::App& app) {
  auto* analytics = app.add_subcommand("analytics", "Windowed aggregation of event streams");
  analytics->require_subcommand(1);
  auto* run = analytics->add_subcommand("run", "Run a windowed group-by query over events");
  auto o = std::make_shared<AnalyticsOptions>();
  run->add_option("--input", o->input_stream, "Stream of events (a continuous job at this node)");
  run->add_option("--input-file", o->input_file, "File of JSON events, one per line (\"-\": standard input)");
  run->add_option("--output", o->output_stream, "Stream for the results (a continuous job at this node)");
  run->add_option("--output-file", o->output_file, "File for the results, JSON lines (default: standard output)");
  run->add_option("--window", o->query.window,
                  "tumbling:SIZE, sliding:SIZE/SLIDE or session:GAP, e.g. tumbling:10s, sliding:60s/10s, session:30s")
      ->required();
  run->add_option("--group-by", o->query.group_by, "Field holding the key (a string or an integer)")->required();
  run->add_option("--value", o->query.value, "Field holding the value (a number)")->required();
  run->add_option("--time-field", o->query.time_field, "Field holding the event time, integer ms since the epoch");
  run->add_option("--agg", o->query.agg, "Aggregates: count,sum,min,max,mean,var,pN (p50, p99.9),topN");
  run->add_option("--lateness", o->query.lateness, "How long after a pane's end its events still count, e.g. 5s");
  run->add_option("--scale", o->query.scale, "Decimal digits kept of each value (0 to 12)");
  run->add_option("--device", o->device, "Device: auto, cpu, opencl[:N], cuda[:N]");
  run->add_option("--batch-events", o->batch_events, "Events aggregated per device launch");
  return [o, run] {
    if (!run->parsed()) return 1;
    return run_query(*o);
  };
}

}  // namespace strata::cli
