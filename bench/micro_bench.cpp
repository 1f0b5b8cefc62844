// Micro-benchmarks of the CPU-only steps of an update, in ns per operation: what a call costs
// before and after the network.
//
//   build-bench/bin/micro_bench --benchmark_min_time=0.2
#include "api/response_body.hpp"
#include "api/endpoints.hpp"
#include "http/url.hpp"

#include <openai/metadata.hpp>

#include <benchmark/benchmark.h>

#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>

namespace {

// The same ~860-byte chat.completion the nginx server of bench/run.sh answers with.
const std::string& completion_body() {
  static const std::string body = [] {
    std::ifstream in(OPENAI_BENCH_COMPLETION_JSON);
    if (!in) throw std::runtime_error("cannot read " OPENAI_BENCH_COMPLETION_JSON);
    std::ostringstream s;
    s << in.rdbuf();
    std::string text = s.str();
    while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
    return text;
  }();
  return body;
}

openai::metadata typical_metadata() {
  return openai::metadata{{"bench", "run"}, {"i", "12345"}};
}

openai::metadata full_metadata() {
  openai::metadata md;
  for (int i = 0; i < 16; ++i)
    md.insert_or_assign("key-" + std::to_string(i), std::string(64, static_cast<char>('a' + i)));
  return md;
}

openai::detail::base_url url() {
  std::string problem;
  auto parsed = openai::detail::parse_base_url("https://127.0.0.1:8443/v1", problem);
  if (!parsed) throw std::runtime_error(problem);
  return *parsed;
}

void validate_two_pairs(benchmark::State& state) {
  const auto md = typical_metadata();
  for (auto _ : state) benchmark::DoNotOptimize(openai::metadata_violations(md));
}
BENCHMARK(validate_two_pairs);

void validate_sixteen_pairs(benchmark::State& state) {
  const auto md = full_metadata();
  for (auto _ : state) benchmark::DoNotOptimize(openai::metadata_violations(md));
}
BENCHMARK(validate_sixteen_pairs);

// What the caller pays to hand the client its metadata (two small pairs in a std::map).
void build_metadata(benchmark::State& state) {
  for (auto _ : state) benchmark::DoNotOptimize(typical_metadata());
}
BENCHMARK(build_metadata);

void serialize_update_request(benchmark::State& state) {
  const auto base = url();
  const auto md = typical_metadata();
  const openai::request_options options;
  std::vector<std::string> violations;
  for (auto _ : state) {
    auto request =
        openai::detail::make_update_request(base, "chatcmpl-mock-000001", md, options, violations);
    benchmark::DoNotOptimize(request);
  }
}
BENCHMARK(serialize_update_request);

void serialize_metadata_body(benchmark::State& state) {
  const auto md = typical_metadata();
  for (auto _ : state) benchmark::DoNotOptimize(openai::detail::serialize_metadata_body(md));
}
BENCHMARK(serialize_metadata_body);

void parse_completion(benchmark::State& state) {
  const std::string& body = completion_body();
  std::string problem;
  for (auto _ : state) {
    auto object = openai::detail::parse_object_body(body, problem);
    benchmark::DoNotOptimize(object);
  }
  if (!problem.empty()) state.SkipWithError(problem.c_str());
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * body.size()));
}
BENCHMARK(parse_completion);

}  // namespace

BENCHMARK_MAIN();
