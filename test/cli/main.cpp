#define BOOST_TEST_MODULE openai_cli_unit_tests
#include <boost/test/unit_test.hpp>
