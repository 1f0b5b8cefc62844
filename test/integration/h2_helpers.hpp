// Helpers for the HTTP/2 tests: options that speak h2 with short deadlines, fault plans per
// completion id, and calls launched together whose outcomes (error, diagnostics) are kept.
#pragma once

#include <atomic>
#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <chrono>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "fault_helpers.hpp"

namespace test_support {

// f.options() speaking `version` (HTTP/2 unless told), with deadlines short enough that a
// hang shows up as a failure, and no retries: a failure the client should absorb (GOAWAY,
// REFUSED_STREAM) would otherwise hide behind a retry.
inline openai::client_options h2_options(
    const mock_fixture& f, openai::http_version version = openai::http_version::http2) {
  auto o = quick(f.options(), 0);
  o.timeout = std::chrono::seconds(5);
  o.http_version = version;
  return o;
}

inline openai_mock::fault_plan delayed(std::chrono::milliseconds wait) {
  auto p = openai_mock::fault_plan::make(openai_mock::fault_action::delay);
  p.wait = wait;
  return p;
}

// A decider that gives each completion id its plans in order, once each (then normal answers);
// ids not named are answered with `otherwise`. Thread-safe, as deciders must be.
class plans_by_id {
 public:
  explicit plans_by_id(openai_mock::fault_plan otherwise = {}) : otherwise_(std::move(otherwise)) {}
  plans_by_id& then(const std::string& id, openai_mock::fault_plan p) {
    state_->plans[id].push_back(std::move(p));
    return *this;
  }
  openai_mock::fault_decider decider() const {
    return [state = state_, otherwise = otherwise_](const openai_mock::request& r) {
      std::lock_guard lock(state->mutex);
      for (auto& [id, plans] : state->plans)
        if (r.target.find(id) != std::string::npos) {
          if (plans.empty()) return openai_mock::fault_plan{};
          auto p = plans.front();
          plans.pop_front();
          return p;
        }
      return otherwise;
    };
  }

 private:
  struct state {
    std::mutex mutex;
    std::map<std::string, std::deque<openai_mock::fault_plan>> plans;
  };
  std::shared_ptr<state> state_ = std::make_shared<state>();
  openai_mock::fault_plan otherwise_;
};

// The outcome of each call launched through it, by completion id.
struct outcomes {
  struct outcome {
    bool done = false;
    boost::system::error_code ec;
    openai::diagnostics diag;
  };
  std::map<std::string, outcome> by_id;  // stable addresses: diagnostics outlive the calls

  // Starts update_completion(id) now; its outcome lands in by_id[id], then `after` runs.
  void start(openai::client& client, const std::string& id, openai::request_options call = {},
             std::function<void()> after = {}) {
    auto& o = by_id[id];
    client.async_update_completion(
        id, {{"h2", "yes"}}, std::move(call), o.diag,
        [&o, after = std::move(after)](boost::system::error_code ec, openai::chat_completion) {
          o.ec = ec;
          o.done = true;
          if (after) after();
        });
  }
  // The same, cancellable through `signal` (emit it on the thread running the io_context).
  void start(openai::client& client, const std::string& id,
             boost::asio::cancellation_signal& signal, openai::request_options call = {}) {
    auto& o = by_id[id];
    client.async_update_completion(
        id, {{"h2", "yes"}}, std::move(call), o.diag,
        boost::asio::bind_cancellation_slot(
            signal.slot(), [&o](boost::system::error_code ec, openai::chat_completion) {
              o.ec = ec;
              o.done = true;
            }));
  }
  std::size_t succeeded() const {
    std::size_t n = 0;
    for (const auto& [id, o] : by_id) n += o.done && !o.ec;
    return n;
  }
  const outcome& at(const std::string& id) const { return by_id.at(id); }
};

// Every call in `all` succeeded in one attempt; the failures are named.
inline void all_succeeded_in_one_attempt(const outcomes& all) {
  for (const auto& [id, o] : all.by_id) {
    BOOST_TEST(o.done, id << " never completed");
    BOOST_TEST(!o.ec, id << ": " << o.ec.message() << ": " << o.diag.message);
    BOOST_TEST(o.diag.attempts == 1u, id << " took " << o.diag.attempts << " attempts");
  }
}

// The "h2" value outcomes::start stored on completion `id`; empty when it was not stored.
inline std::string stored_tag(mock_fixture& f, const std::string& id) {
  auto md = f.mock().metadata_of(id);
  if (!md || !md->count("h2")) return {};
  return md->at("h2");
}

// One call, so that the client holds an open h2 connection before the calls of a test start
// (before the handshake the pool cannot know the connection will carry many streams).
inline void warm_up(boost::asio::io_context& io, openai::client& client, const std::string& id) {
  run(io, client.update_completion(id, {{"warm", "up"}}));
}

}  // namespace test_support
