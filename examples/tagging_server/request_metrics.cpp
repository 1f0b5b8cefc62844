#include "request_metrics.hpp"

#include <openai/error.hpp>

#include <boost/asio/error.hpp>

#include <chrono>
#include <cstdio>
#include <string>
#include <string_view>

namespace tagging {

namespace {

std::string outcome_of(const openai::attempt_event& event) {
  if (!event.error) return "ok";
  if (event.error == boost::asio::error::operation_aborted) return "aborted";
  if (event.error.category() == openai::error_category())
    return std::string(openai::to_string(static_cast<openai::errc>(event.error.value())));
  return "other";
}

std::string_view connection_name(openai::connection_use use) {
  switch (use) {
    case openai::connection_use::opened: return "opened";
    case openai::connection_use::resumed: return "resumed";
    case openai::connection_use::reused: return "reused";
    case openai::connection_use::none: break;
  }
  return "none";
}

std::string number(double v) {
  char text[32];
  std::snprintf(text, sizeof text, "%.9g", v);
  return text;
}

}  // namespace

void request_metrics::on_attempt(const openai::attempt_event& event) {
  const double seconds = std::chrono::duration<double>(event.duration).count();
  std::lock_guard lock(mutex_);
  ++attempts_[{std::string(event.operation), outcome_of(event)}];
  histogram& h = latency_[std::string(event.operation)];
  for (std::size_t i = 0; i < buckets.size(); ++i) {
    if (seconds <= buckets[i]) {
      ++h.counts[i];
      break;
    }
  }
  ++h.count;
  h.sum_seconds += seconds;
  ++connections_[std::string(connection_name(event.connection))];
  bytes_sent_ += event.bytes_sent;
  bytes_received_ += event.bytes_received;
}

void request_metrics::on_pool_wait(const openai::pool_wait_event& event) {
  std::lock_guard lock(mutex_);
  ++pool_waits_;
  if (!event.got_connection) ++pool_waits_failed_;
  pool_wait_seconds_ += std::chrono::duration<double>(event.waited).count();
}

std::string request_metrics::prometheus_text() const {
  std::lock_guard lock(mutex_);
  std::string out;
  out += "# HELP openai_attempts_total Attempts of API calls, by operation and outcome.\n";
  out += "# TYPE openai_attempts_total counter\n";
  for (const auto& [key, n] : attempts_)
    out += "openai_attempts_total{operation=\"" + key.first + "\",outcome=\"" + key.second +
           "\"} " + std::to_string(n) + "\n";
  out += "# HELP openai_attempt_duration_seconds Time of one attempt, by operation.\n";
  out += "# TYPE openai_attempt_duration_seconds histogram\n";
  for (const auto& [operation, h] : latency_) {
    const std::string label = "operation=\"" + operation + "\"";
    std::uint64_t cumulative = 0;
    for (std::size_t i = 0; i < buckets.size(); ++i) {
      cumulative += h.counts[i];
      out += "openai_attempt_duration_seconds_bucket{" + label + ",le=\"" + number(buckets[i]) +
             "\"} " + std::to_string(cumulative) + "\n";
    }
    out += "openai_attempt_duration_seconds_bucket{" + label + ",le=\"+Inf\"} " +
           std::to_string(h.count) + "\n";
    out += "openai_attempt_duration_seconds_sum{" + label + "} " + number(h.sum_seconds) + "\n";
    out += "openai_attempt_duration_seconds_count{" + label + "} " + std::to_string(h.count) +
           "\n";
  }
  out += "# HELP openai_attempt_connections_total How each attempt got its connection.\n";
  out += "# TYPE openai_attempt_connections_total counter\n";
  for (const auto& [use, n] : connections_)
    out += "openai_attempt_connections_total{connection=\"" + use + "\"} " + std::to_string(n) +
           "\n";
  out += "# TYPE openai_bytes_sent_total counter\nopenai_bytes_sent_total " +
         std::to_string(bytes_sent_) + "\n";
  out += "# TYPE openai_bytes_received_total counter\nopenai_bytes_received_total " +
         std::to_string(bytes_received_) + "\n";
  out += "# HELP openai_pool_waits_total Waits for a connection of the full pool.\n";
  out += "# TYPE openai_pool_waits_total counter\nopenai_pool_waits_total " +
         std::to_string(pool_waits_) + "\n";
  out += "# TYPE openai_pool_waits_failed_total counter\nopenai_pool_waits_failed_total " +
         std::to_string(pool_waits_failed_) + "\n";
  out += "# TYPE openai_pool_wait_seconds_total counter\nopenai_pool_wait_seconds_total " +
         number(pool_wait_seconds_) + "\n";
  return out;
}

std::string pool_metrics_text(const openai::pool_stats& stats) {
  std::string out;
  auto gauge = [&out](std::string_view name, std::string_view help, std::uint64_t value) {
    out.append("# HELP ").append(name).append(" ").append(help).append("\n");
    out.append("# TYPE ").append(name).append(" gauge\n");
    out.append(name).append(" ").append(std::to_string(value)).append("\n");
  };
  gauge("openai_pool_connections", "Connections of the pool: idle, in use or being opened.",
        stats.open);
  gauge("openai_pool_idle_connections", "Of those, ready for the next request.", stats.idle);
  gauge("openai_pool_http2_connections", "Of those, HTTP/2 (each carries many requests).",
        stats.http2);
  gauge("openai_pool_http2_streams", "HTTP/2 requests in flight, over all connections.",
        stats.streams);
  gauge("openai_pool_waiting_calls", "Calls waiting for a connection.", stats.waiting);
  return out;
}

}  // namespace tagging
