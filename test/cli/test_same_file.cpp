#include <unistd.h>

#include <boost/test/unit_test.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "same_file.hpp"

using namespace openai_cli;
namespace fs = std::filesystem;

namespace {

// A scratch folder with one input file, removed afterwards.
struct scratch {
  fs::path dir;
  std::string input;
  scratch() {
    char name[] = "/tmp/openai-same-file-XXXXXX";
    dir = ::mkdtemp(name);
    input = (dir / "in.jsonl").string();
    std::ofstream(input) << "{}\n";
  }
  ~scratch() { fs::remove_all(dir); }
  std::string path(const char* name) const { return (dir / name).string(); }
};

}  // namespace

BOOST_AUTO_TEST_SUITE(same_file)

BOOST_AUTO_TEST_CASE(refuses_output_that_is_the_input_by_the_same_name) {
  scratch s;
  const auto clash = output_clash(s.input, s.input);
  BOOST_REQUIRE(clash);
  BOOST_TEST(clash->find("is the same file as --input") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(refuses_output_that_is_the_input_by_another_path) {
  scratch s;
  BOOST_TEST(output_clash(s.input, (s.dir / "." / "in.jsonl").string()).has_value());
  BOOST_TEST(output_clash(s.input, (s.dir / "sub" / ".." / "in.jsonl").string()).has_value() ==
             false);  // no such directory: nothing to clash with
  fs::create_directory(s.dir / "sub");
  BOOST_TEST(output_clash(s.input, (s.dir / "sub" / ".." / "in.jsonl").string()).has_value());
}

BOOST_AUTO_TEST_CASE(refuses_output_that_is_a_symlink_to_the_input) {
  scratch s;
  fs::create_symlink(s.input, s.path("link"));
  BOOST_TEST(output_clash(s.input, s.path("link")).has_value());
  BOOST_TEST(output_clash(s.path("link"), s.input).has_value());
}

BOOST_AUTO_TEST_CASE(refuses_output_that_is_a_hard_link_to_the_input) {
  scratch s;
  fs::create_hard_link(s.input, s.path("hard"));
  BOOST_TEST(output_clash(s.input, s.path("hard")).has_value());
}

BOOST_AUTO_TEST_CASE(accepts_another_file_or_one_that_does_not_exist_yet) {
  scratch s;
  std::ofstream(s.path("out.jsonl")) << "{}\n";  // same content, another inode
  BOOST_TEST(!output_clash(s.input, s.path("out.jsonl")));
  BOOST_TEST(!output_clash(s.input, s.path("new.jsonl")));
}

BOOST_AUTO_TEST_SUITE_END()
