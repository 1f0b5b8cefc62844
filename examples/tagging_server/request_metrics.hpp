// Request metrics of the tagging server in the Prometheus text format: an openai::observer
// that counts every attempt of the shared client's calls and times them in a histogram.
//
//   auto metrics = std::make_shared<tagging::request_metrics>();
//   options.observer = metrics;                 // before the client is made
//   openai::client client(io.get_executor(), options);
//   ... GET /metrics answers metrics->prometheus_text() + pool_metrics_text(client.pool_stats())
#pragma once

#include <openai/observer.hpp>
#include <openai/pool_stats.hpp>

#include <array>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <utility>

namespace tagging {

class request_metrics final : public openai::observer {
 public:
  // Upper bounds of the latency histogram's buckets, in seconds (+Inf is added).
  static constexpr std::array<double, 11> buckets{0.005, 0.01, 0.025, 0.05, 0.1, 0.25,
                                                  0.5,   1,    2.5,   5,    10};

  void on_attempt(const openai::attempt_event& event) override;
  void on_pool_wait(const openai::pool_wait_event& event) override;

  // Every counter and the histogram, as Prometheus' text exposition format 0.0.4.
  std::string prometheus_text() const;

 private:
  struct histogram {
    std::array<std::uint64_t, buckets.size()> counts{};  // per bucket, not cumulative
    std::uint64_t count = 0;
    double sum_seconds = 0;
  };
  mutable std::mutex mutex_;
  // (operation, outcome): "ok", or the error kind ("rate_limited", "network", ...).
  std::map<std::pair<std::string, std::string>, std::uint64_t> attempts_;
  std::map<std::string, histogram> latency_;       // by operation
  std::map<std::string, std::uint64_t> connections_;  // "opened", "resumed", "reused", "none"
  std::uint64_t bytes_sent_ = 0, bytes_received_ = 0;
  std::uint64_t pool_waits_ = 0, pool_waits_failed_ = 0;
  double pool_wait_seconds_ = 0;
};

// The shared client's pool now, as Prometheus gauges: connections open, idle and HTTP/2 (each
// of those carries many requests), HTTP/2 requests in flight, calls waiting for a connection.
std::string pool_metrics_text(const openai::pool_stats& stats);

}  // namespace tagging
