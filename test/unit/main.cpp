#define BOOST_TEST_MODULE openai_asio unit tests
#include <boost/test/unit_test.hpp>
