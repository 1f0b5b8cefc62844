// Boost.JSON and Boost.URL compiled into the fuzz build, so the sanitizers and libFuzzer's
// coverage see inside the parsers that read hostile bytes (the packaged libraries are not
// instrumented).
#include <boost/json/src.hpp>
#include <boost/url/src.hpp>
