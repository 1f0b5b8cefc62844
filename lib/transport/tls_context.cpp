#include "transport/tls_context.hpp"

namespace openai::detail {

std::shared_ptr<boost::asio::ssl::context> make_tls_context(const std::string& ca_file,
                                                            std::string& problem) {
  namespace ssl = boost::asio::ssl;
  auto context = std::make_shared<ssl::context>(ssl::context::tls_client);
  boost::system::error_code ec;
  context->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                           ssl::context::no_sslv3 | ssl::context::no_tlsv1 |
                           ssl::context::no_tlsv1_1,
                       ec);
  context->set_verify_mode(ssl::verify_peer, ec);
  context->set_default_verify_paths(ec);
  if (ec) {
    problem = "cannot load the system trust store: " + ec.message();
    return nullptr;
  }
  if (!ca_file.empty()) {
    context->load_verify_file(ca_file, ec);
    if (ec) {
      problem = "cannot load ca_file '" + ca_file + "': " + ec.message();
      return nullptr;
    }
  }
  return context;
}

}  // namespace openai::detail
