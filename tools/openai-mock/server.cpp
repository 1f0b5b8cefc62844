// Server lifecycle: certificates, listeners, io threads and a graceful stop().
// The per-connection code lives in session.cpp.
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <filesystem>
#include <algorithm>
#include <fstream>
#include <optional>
#include <stdexcept>

#include <openssl/err.h>
#include <openssl/ssl.h>

#include "admin.hpp"
#include "alpn.hpp"
#include "server_impl.hpp"

namespace openai_mock {

namespace {

// How long stop() lets in-flight responses finish before it abandons the connections.
constexpr auto drain_deadline = std::chrono::seconds(5);
// How long the accept loop pauses when the process (or the system) has no descriptor left.
constexpr auto descriptor_backoff = std::chrono::milliseconds(50);

// `perms`, when given, are set before the content is written (a private key is never readable
// by others, even for a moment).
void write_file(const std::string& path, const std::string& content, const char* what,
                std::optional<std::filesystem::perms> perms = std::nullopt) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (out && perms) {
    std::error_code ec;
    std::filesystem::permissions(path, *perms, ec);
    if (ec) throw std::runtime_error("openai_mock: cannot restrict " + std::string(what) + " " + path);
  }
  out << content;
  out.close();
  if (!out) throw std::runtime_error("openai_mock: cannot write " + std::string(what) + " " + path);
}

bool out_of_descriptors(const boost::system::error_code& ec) {
  return ec == asio::error::no_descriptors ||
         ec == boost::system::errc::too_many_files_open_in_system ||
         ec == asio::error::no_buffer_space || ec == asio::error::no_memory;
}

// `client_ca`: the CA of a generated client certificate (may be empty), trusted beside
// client_ca_pem.
server_options with_certificates(server_options o, const std::string& client_ca) {
  if (!client_ca.empty()) {
    if (!o.client_ca_pem.empty() && o.client_ca_pem.back() != '\n') o.client_ca_pem += '\n';
    o.client_ca_pem += client_ca;
  }
  if (o.cert_chain_pem.empty()) {
    certificate_bundle b = generate_certificates(o.certificates);
    o.cert_chain_pem = b.leaf_cert_pem;
    o.private_key_pem = b.leaf_key_pem;
    o.ca_cert_pem = b.ca_cert_pem;
  }
  if (o.threads == 0) o.threads = 1;
  return o;
}

asio::ssl::context make_tls_context(const server_options& o) {
  asio::ssl::context ctx(asio::ssl::context::tls_server);
  // TLS 1.2 and 1.3 only, like api.openai.com.
  ctx.set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 |
                  asio::ssl::context::no_sslv3 | asio::ssl::context::no_tlsv1 |
                  asio::ssl::context::no_tlsv1_1);
  if (o.tls12_only) SSL_CTX_set_max_proto_version(ctx.native_handle(), TLS1_2_VERSION);
  ctx.use_certificate_chain(asio::buffer(o.cert_chain_pem));
  ctx.use_private_key(asio::buffer(o.private_key_pem), asio::ssl::context::pem);
  if (!o.client_ca_pem.empty()) {
    ctx.add_certificate_authority(asio::buffer(o.client_ca_pem));
    ctx.set_verify_mode(asio::ssl::verify_peer | asio::ssl::verify_fail_if_no_peer_cert);
    // With verification on, OpenSSL fails a handshake that resumes a session unless the
    // context names the sessions it issued.
    static constexpr unsigned char session_context[] = "openai-mock";
    SSL_CTX_set_session_id_context(ctx.native_handle(), session_context,
                                   sizeof session_context - 1);
  }
  select_alpn(ctx.native_handle(), o.enable_http2);
  return ctx;
}

tcp::acceptor listen_on(asio::io_context& ioc, const asio::ip::address& address,
                        unsigned short port) {
  // Its own strand: stop() closes the acceptor from another thread while an accept is
  // pending.
  tcp::acceptor a(asio::make_strand(ioc));
  const tcp::endpoint ep(address, port);
  a.open(ep.protocol());
  a.set_option(asio::socket_base::reuse_address(true));
  if (address.is_v6()) a.set_option(asio::ip::v6_only(true));
  a.bind(ep);
  a.listen(asio::socket_base::max_listen_connections);
  return a;
}

std::vector<asio::ip::address> loopback_addresses(const std::vector<std::string>& texts) {
  if (texts.empty()) throw std::invalid_argument("openai_mock: listen_addresses is empty");
  std::vector<asio::ip::address> out;
  for (const auto& text : texts) {
    boost::system::error_code ec;
    const auto address = asio::ip::make_address(text, ec);
    if (ec || !address.is_loopback())
      throw std::invalid_argument("openai_mock: listen address '" + text +
                                  "' is not a loopback IP address (127.0.0.0/8 or ::1)");
    out.push_back(address);
  }
  return out;
}

// Binds one acceptor per address, all on one port, and returns the port. An ephemeral port
// free on the first address may be taken on another: then the whole set is tried again.
unsigned short listen_on_all(asio::io_context& ioc, const std::vector<asio::ip::address>& addresses,
                             unsigned short port, std::list<tcp::acceptor>& out) {
  constexpr int ephemeral_tries = 20;
  for (int attempt = 1;; ++attempt) {
    out.clear();
    unsigned short chosen = port;
    try {
      for (const auto& address : addresses) {
        out.push_back(listen_on(ioc, address, chosen));
        chosen = out.back().local_endpoint().port();
      }
      return chosen;
    } catch (const boost::system::system_error& e) {
      if (port != 0 || e.code() != asio::error::address_in_use || attempt == ephemeral_tries)
        throw;
    }
  }
}

std::string base_url(std::string_view scheme, std::string_view address, unsigned short port,
                     const std::string& prefix) {
  const bool v6 = address.find(':') != std::string_view::npos;
  std::string url(scheme);
  url += "://";
  url += v6 ? "[" + std::string(address) + "]" : std::string(address);
  return url + ":" + std::to_string(port) + prefix;
}

asio::awaitable<void> accept_loop(server::impl& s, tcp::acceptor& acceptor, bool tls,
                                  server::impl::task_token token) {
  (void)token;  // held for the loop's lifetime
  for (;;) {
    // Each connection gets its own strand, so sessions run in parallel on several threads
    // while each one stays single-threaded.
    auto [ec, socket] = co_await acceptor.async_accept(asio::make_strand(s.ioc),
                                                       asio::as_tuple(asio::use_awaitable));
    if (s.stopping || !acceptor.is_open()) co_return;
    if (out_of_descriptors(ec)) {
      // The pending connection stays in the backlog and the listener stays readable, so
      // accepting again at once would fail again at once: a busy loop. Wait until some
      // session has likely closed its socket.
      asio::steady_timer pause(acceptor.get_executor(), descriptor_backoff);
      co_await pause.async_wait(asio::as_tuple(asio::use_awaitable));
      continue;
    }
    if (ec) continue;  // e.g. a connection reset before accept: keep listening
    ++s.accepted;
    ++(tls ? s.https_accepted : s.http_accepted);
    // Answers go out as soon as they are written: with Nagle's algorithm a response written in
    // two pieces (headers, then body) waits for the client's delayed ACK, ~40 ms per request.
    boost::system::error_code ignored;
    socket.set_option(tcp::no_delay(true), ignored);
    auto ex = socket.get_executor();
    asio::co_spawn(ex, run_session(s, std::move(socket), tls, server::impl::task_token(s)),
                   asio::detached);
  }
}

}  // namespace

server::impl::task_token::task_token(impl& s) : s_(&s) {
  std::lock_guard lock(s.tasks_mutex);
  ++s.live_tasks;
}

server::impl::task_token::~task_token() {
  if (!s_) return;
  std::lock_guard lock(s_->tasks_mutex);
  if (--s_->live_tasks == 0) s_->tasks_done.notify_all();
}

server::impl::impl(server_options o)
    : client_certificate(o.generate_client_certificate
                             ? generate_certificates(client_certificate_options())
                             : certificate_bundle{}),
      options(with_certificates(std::move(o), client_certificate.ca_cert_pem)),
      store(store_options{options.api_key, options.seed_completions, options.path_prefix}),
      tls(make_tls_context(options)),
      planner(options.path_prefix, options.script, options.random_faults, options.faults),
      limiter(options.rate_limit) {}

void server::impl::count_handshake_failure(const boost::system::error_code& ec) {
  ++tls_failed;
  if (ec.category() != asio::error::get_ssl_category()) return;
  switch (ERR_GET_REASON(static_cast<unsigned long>(ec.value()))) {
    case SSL_R_PEER_DID_NOT_RETURN_A_CERTIFICATE: ++tls_no_client_cert; break;
    case SSL_R_CERTIFICATE_VERIFY_FAILED: ++tls_bad_client_cert; break;
    default: break;
  }
}

std::uint64_t server::impl::add_session(std::weak_ptr<session_link> link) {
  std::lock_guard lock(tasks_mutex);
  sessions.emplace(++next_session, std::move(link));
  return next_session;
}

void server::impl::remove_session(std::uint64_t id) {
  std::lock_guard lock(tasks_mutex);
  sessions.erase(id);
}

fault_plan server::impl::decide_fault(const request& req) {
  if (is_admin_target(req.target)) return {};
  ++api_requests;
  std::optional<rate_limiter::admission> admitted = limiter.admit(rate_limiter::clock::now());
  if (admitted && !admitted->allowed) {
    ++rate_limited;
    fault_plan refused;
    refused.action = fault_action::respond;
    refused.reply = std::move(admitted->rejection);
    return refused;
  }
  fault_plan plan = planner.plan(req);
  if (admitted) {
    // On the store's answer (plan.headers) and on a canned one alike; a step's own headers win.
    for (const auto& [name, value] : admitted->headers) {
      plan.headers.emplace(name, value);
      if (plan.action == fault_action::respond) plan.reply.headers.emplace(name, value);
    }
  }
  if (plan.action != fault_action::none) {
    ++faulted;
    std::string kind = plan.action == fault_action::respond
                           ? "status_" + std::to_string(plan.reply.status)
                           : std::string(fault_action_name(plan.action));
    std::lock_guard lock(fault_kinds_mutex);
    ++fault_kinds[kind];
  }
  return plan;
}

response server::impl::respond(const request& req) {
  try {
    if (is_admin_target(req.target)) {
      ++admin_requests;
      return handle_admin(req, stats(), store, planner, limiter);
    }
    return store.handle(req);
  } catch (const std::exception&) {
    response r;
    r.status = 500;
    r.headers["content-type"] = "application/json";
    r.body =
        R"({"error":{"message":"openai-mock internal error","type":"server_error","param":null,"code":null}})";
    return r;
  }
}

void server::impl::count_server_name(const char* sni) {
  std::lock_guard lock(server_names_mutex);
  ++server_names[sni ? sni : ""];
}

bool server::impl::listens_on(std::string_view address) const {
  boost::system::error_code ec;
  const auto wanted = asio::ip::make_address(std::string(address), ec);
  if (ec) return false;
  return std::any_of(options.listen_addresses.begin(), options.listen_addresses.end(),
                     [&](const std::string& text) {
                       boost::system::error_code bad;
                       return asio::ip::make_address(text, bad) == wanted && !bad;
                     });
}

response server::impl::answer(const request& req, fault_plan& plan) {
  if (plan.action == fault_action::respond) return std::move(plan.reply);
  if (!reaches_store(plan.action)) return {};
  response r = respond(req);
  for (auto& [name, value] : plan.headers) r.headers[name] = std::move(value);
  return r;
}

std::chrono::nanoseconds server::impl::latency_of(const request& req) const {
  return is_admin_target(req.target) ? std::chrono::nanoseconds(0) : options.latency;
}

void server::impl::note_delayed(int change) {
  if (change < 0) {
    --delayed_now;
    return;
  }
  const std::uint64_t now = ++delayed_now;
  std::uint64_t peak = delayed_peak;
  while (now > peak && !delayed_peak.compare_exchange_weak(peak, now)) {
  }
}

void server::impl::note_open_streams(std::uint64_t open) {
  std::uint64_t peak = h2_peak_streams;
  while (open > peak && !h2_peak_streams.compare_exchange_weak(peak, open)) {
  }
}

response too_large(std::size_t limit) {
  response r;
  r.status = 413;
  r.headers["content-type"] = "application/json";
  r.body = "{\"error\":{\"message\":\"Request body too large (limit " + std::to_string(limit) +
           " bytes).\",\"type\":\"invalid_request_error\",\"param\":null,\"code\":null}}";
  return r;
}

server::counters server::impl::stats() const {
  store_stats st = store.stats();
  counters c;
  c.tls_handshakes = tls_ok;
  c.tls_handshake_failures = tls_failed;
  c.tls_client_certificate_missing = tls_no_client_cert;
  c.tls_client_certificate_rejected = tls_bad_client_cert;
  {
    std::lock_guard lock(server_names_mutex);
    c.tls_server_names = server_names;
  }
  c.connections_accepted = accepted;
  c.https_connections = https_accepted;
  c.http_connections = http_accepted;
  c.h2_connections = h2_connections;
  c.h2_streams = h2_streams;
  c.h2_peak_streams = h2_peak_streams;
  c.h2_pings = h2_pings;
  c.requests = api_requests;
  c.faults_injected = faulted;
  {
    std::lock_guard lock(fault_kinds_mutex);
    c.faults_by_kind = fault_kinds;
  }
  c.unauthorized = st.unauthorized;
  c.admin_requests = admin_requests;
  c.rate_limited = rate_limited;
  c.delayed_peak = delayed_peak;
  c.by_route = std::move(st.by_route);
  return c;
}

void server::impl::start() {
  if (started) throw std::logic_error("openai_mock::server::start called twice");
  started = true;
  const auto addresses = loopback_addresses(options.listen_addresses);
  if (options.enable_https) {
    https_port = listen_on_all(ioc, addresses, options.https_port, https_acceptors);
    for (auto& acceptor : https_acceptors)
      asio::co_spawn(acceptor.get_executor(),
                     accept_loop(*this, acceptor, true, task_token(*this)), asio::detached);
  }
  if (options.enable_http) {
    http_port = listen_on_all(ioc, addresses, options.http_port, http_acceptors);
    for (auto& acceptor : http_acceptors)
      asio::co_spawn(acceptor.get_executor(),
                     accept_loop(*this, acceptor, false, task_token(*this)), asio::detached);
  }
  for (unsigned i = 0; i < options.threads; ++i) threads.emplace_back([this] { ioc.run(); });
}

void server::impl::stop() {
  if (!started || stopped) return;
  stopped = true;
  stopping = true;
  for (auto* acceptors : {&https_acceptors, &http_acceptors}) {
    for (auto& acceptor : *acceptors) {
      asio::post(acceptor.get_executor(), [&acceptor] {
        boost::system::error_code ignored;
        acceptor.close(ignored);
      });
    }
  }
  {
    std::unique_lock lock(tasks_mutex);
    for (auto& [id, weak] : sessions) {
      auto link = weak.lock();
      if (!link) continue;
      // Idle sessions are woken (their read fails and they close); busy ones finish the
      // response they are writing and then see `stopping`.
      asio::post(link->executor(), [weak] {
        if (auto l = weak.lock(); l && !l->busy) l->cancel();
      });
    }
    tasks_done.wait_for(lock, drain_deadline, [this] { return live_tasks == 0; });
  }
  ioc.stop();
  for (auto& t : threads) t.join();
  threads.clear();
}

server::server(server_options options) : impl_(std::make_unique<impl>(std::move(options))) {}

server::~server() { impl_->stop(); }

void server::start() { impl_->start(); }
void server::stop() { impl_->stop(); }

unsigned short server::https_port() const { return impl_->https_port; }
unsigned short server::http_port() const { return impl_->http_port; }

std::string server::https_base_url() const {
  const auto& addresses = impl_->options.listen_addresses;
  return addresses.empty() ? std::string() : https_base_url(addresses.front());
}

std::string server::http_base_url() const {
  const auto& addresses = impl_->options.listen_addresses;
  return addresses.empty() ? std::string() : http_base_url(addresses.front());
}

std::string server::https_base_url(std::string_view address) const {
  if (!impl_->https_port || !impl_->listens_on(address)) return {};
  return base_url("https", address, impl_->https_port, impl_->options.path_prefix);
}

std::string server::http_base_url(std::string_view address) const {
  if (!impl_->http_port || !impl_->listens_on(address)) return {};
  return base_url("http", address, impl_->http_port, impl_->options.path_prefix);
}

const std::string& server::ca_pem() const { return impl_->options.ca_cert_pem; }

void server::write_ca_file(const std::string& path) const {
  write_file(path, impl_->options.ca_cert_pem, "CA file");
}

const std::string& server::client_ca_pem() const { return impl_->options.client_ca_pem; }
const std::string& server::client_cert_pem() const {
  return impl_->client_certificate.leaf_cert_pem;
}
const std::string& server::client_key_pem() const { return impl_->client_certificate.leaf_key_pem; }

void server::write_client_certificate(const std::string& cert_path,
                                      const std::string& key_path) const {
  if (impl_->client_certificate.leaf_cert_pem.empty())
    throw std::logic_error("openai_mock: no client certificate was generated");
  write_file(cert_path, impl_->client_certificate.leaf_cert_pem, "client certificate");
  write_file(key_path, impl_->client_certificate.leaf_key_pem, "client key",
             std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
}

server::counters server::stats() const { return impl_->stats(); }

void server::script_faults(const std::string& id, std::vector<fault_step> steps) {
  impl_->planner.script(id, std::move(steps));
}

void server::clear_faults() { impl_->planner.clear_script(); }

void server::set_rate_limit(std::optional<openai_mock::rate_limit> limit) {
  impl_->limiter.set(std::move(limit), rate_limiter::clock::now());
}

std::map<std::string, std::size_t> server::pending_faults() const {
  return impl_->planner.pending();
}

std::optional<std::map<std::string, std::string>> server::metadata_of(std::string_view id) const {
  return impl_->store.metadata_of(id);
}

std::string server::completion_id(std::size_t index) { return store::completion_id(index); }

}  // namespace openai_mock
