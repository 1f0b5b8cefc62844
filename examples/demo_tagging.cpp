// The demo: tag many stored completions concurrently through one client and report what it
// took. Run by scripts/demo.sh against openai-mock:
//   demo_tagging --count 1000 --prefix chatcmpl-mock- --tag experiment=b7
#include <openai/client.hpp>

#include <boost/asio/io_context.hpp>

#include <chrono>
#include <cstdio>
#include <iostream>
#include <map>
#include <string>

namespace asio = boost::asio;

namespace {

struct args {
  int count = 1000;
  std::string key = "experiment";
  std::string value = "demo";
};

bool parse(int argc, char** argv, args& a) {
  for (int i = 1; i < argc; ++i) {
    std::string flag = argv[i];
    if (flag == "--count" && i + 1 < argc) {
      a.count = std::stoi(argv[++i]);
    } else if (flag == "--tag" && i + 1 < argc) {
      std::string tag = argv[++i];
      auto eq = tag.find('=');
      if (eq == std::string::npos) return false;
      a.key = tag.substr(0, eq);
      a.value = tag.substr(eq + 1);
    } else {
      return false;
    }
  }
  return a.count > 0;
}

std::string mock_id(int i) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "chatcmpl-mock-%06d", i);
  return buffer;
}

}  // namespace

int main(int argc, char** argv) {
  args a;
  if (!parse(argc, argv, a)) {
    std::cerr << "usage: demo_tagging [--count N] [--tag key=value]\n";
    return 2;
  }
  asio::io_context io;
  openai::client client{io.get_executor(), openai::client_options::from_env()};

  int ok = 0;
  std::map<std::string, int> failures;
  unsigned retries = 0;
  const auto start = std::chrono::steady_clock::now();
  // Every update is started at once; the pool (max_connections) bounds what is on the wire.
  for (int i = 1; i <= a.count; ++i) {
    auto diag = std::make_shared<openai::diagnostics>();
    client.async_update_completion(
        mock_id(i), {{a.key, a.value}}, {}, *diag,
        [&, diag](boost::system::error_code ec, openai::chat_completion c) {
          if (ec) {
            ++failures[ec.message()];
            retries += diag->attempts > 0 ? diag->attempts - 1 : 0;
            return;
          }
          ++ok;
          retries += c.attempts() - 1;
        });
  }
  io.run();
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();

  std::cout << "tagged " << ok << " of " << a.count << " completions with " << a.key << '='
            << a.value << " in " << seconds << " s (" << static_cast<long>(a.count / seconds)
            << " updates/s, " << retries << " retries)\n";
  for (const auto& [why, n] : failures) std::cout << "  failed: " << n << " x " << why << '\n';
  return failures.empty() ? 0 : 1;
}
