# libnghttp2: the oldest accepted, and the options the installed one has.
#
# 1.40.0 is the oldest: nghttp2_option_set_max_settings (SETTINGS entries per frame) appeared
# there, nghttp2_option_set_max_outbound_ack (the PING/SETTINGS ACK flood guard) in 1.39.2.
# nghttp2_option_set_max_continuations (the CONTINUATION flood guard, CVE-2024-28182) is upstream
# 1.61.0, and backported by distributions under older version numbers (Debian 12's
# 1.52.0-1+deb12u2), so it is looked for, not inferred from the version. Without it the client's
# own header field and byte caps still end a CONTINUATION flood in bounded memory.
set(OPENAI_ASIO_NGHTTP2_MIN_VERSION 1.40.0)

# Defines OPENAI_ASIO_HAVE_NGHTTP2_MAX_CONTINUATIONS for `source` only (the file that sets the
# options), so that the target's other files and its precompiled header are unaffected.
function(openai_asio_nghttp2_features source)
  if(NOT DEFINED OPENAI_ASIO_HAVE_NGHTTP2_MAX_CONTINUATIONS)
    include(CheckSymbolExists)
    include(CMakePushCheckState)
    cmake_push_check_state(RESET)
    set(CMAKE_REQUIRED_INCLUDES ${NGHTTP2_INCLUDE_DIRS})
    set(CMAKE_REQUIRED_LIBRARIES ${NGHTTP2_LINK_LIBRARIES})
    check_symbol_exists(nghttp2_option_set_max_continuations "nghttp2/nghttp2.h"
                        OPENAI_ASIO_HAVE_NGHTTP2_MAX_CONTINUATIONS)
    cmake_pop_check_state()
  endif()
  if(OPENAI_ASIO_HAVE_NGHTTP2_MAX_CONTINUATIONS)
    set_property(SOURCE ${source} APPEND PROPERTY COMPILE_DEFINITIONS
                 OPENAI_ASIO_HAVE_NGHTTP2_MAX_CONTINUATIONS=1)
  endif()
endfunction()
