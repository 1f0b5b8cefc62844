#define BOOST_TEST_MODULE openai_asio integration tests
#include <boost/test/unit_test.hpp>
