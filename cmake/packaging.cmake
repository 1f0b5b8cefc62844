# Debian packages, built by `cpack -G DEB` in the build folder (test package.debian_packages):
#
#   libopenai-asio-dev  component dev    headers, static library, CMake package, openai-asio.pc
#   openai-asio-tools   component tools  openai, openai-mock, man pages, shell completions
#
# To add a file to a package, install it with COMPONENT dev or tools. An install() rule in
# tools/ without a COMPONENT joins openai-asio-tools by itself (the top-level CMakeLists.txt sets
# CMAKE_INSTALL_DEFAULT_COMPONENT_NAME around those subdirectories); a man page installed under
# share/man/manN is gzipped in the package.

if(OPENAI_ASIO_BUILD_TOOLS)
  # tools/openai installs the CLI itself once it generates its man page and completion
  # (target openai_shell_docs); until then, the executable alone.
  if(NOT TARGET openai_shell_docs)
    install(TARGETS openai RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR} COMPONENT tools)
  endif()
  install(TARGETS openai-mock RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR} COMPONENT tools)
endif()

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME openai-asio)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_VENDOR "the openai-asio authors")
set(OPENAI_ASIO_PACKAGE_MAINTAINER "openai-asio maintainers <maintainers@openai-asio.example.org>"
    CACHE STRING "Maintainer field of the Debian packages: Name <address>")
set(CPACK_DEBIAN_PACKAGE_MAINTAINER "${OPENAI_ASIO_PACKAGE_MAINTAINER}")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_STRIP_FILES ON)
set(CPACK_DEB_COMPONENT_INSTALL ON)
set(CPACK_COMPONENTS_ALL dev tools)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
# The first Debian revision of this upstream version: a non-native package (changelog.Debian).
set(CPACK_DEBIAN_PACKAGE_RELEASE 1)
set(OPENAI_ASIO_DEBIAN_VERSION ${PROJECT_VERSION}-${CPACK_DEBIAN_PACKAGE_RELEASE})
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)

# Each package's synopsis is the first line of its own description. CPackDeb would put the one
# project-wide summary in front of both, unless that summary is CPack's default text.
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "${CMAKE_PROJECT_NAME} built using CMake")

set(CPACK_DEBIAN_DEV_PACKAGE_NAME libopenai-asio-dev)
set(CPACK_DEBIAN_DEV_PACKAGE_SECTION libdevel)
set(CPACK_DEBIAN_DEV_DESCRIPTION "C++20 coroutine client for the OpenAI stored chat completions API
openai-asio is a Boost.Asio client for the OpenAI stored chat
completions API: update the metadata of stored completions, retrieve,
list and delete them, over a pool of verified HTTPS keep-alive
connections, with retries, timeouts, cancellation and batch updates.
.
This package holds the headers, the static library, the CMake package
(find_package(openai_asio)) and the pkg-config file (openai-asio.pc).")
# What the headers include and the static library needs at the final link: Boost 1.81 or newer
# (Debian 12 names it by version; later releases have the unversioned packages) and OpenSSL 3.
set(CPACK_DEBIAN_DEV_PACKAGE_DEPENDS
  "libboost1.81-dev | libboost-dev (>= 1.81), libboost-json1.81-dev | libboost-json-dev (>= 1.81), libboost-url1.81-dev | libboost-url-dev (>= 1.81), libssl-dev (>= 3), libnghttp2-dev (>= 1.40.0)")

set(CPACK_DEBIAN_TOOLS_PACKAGE_NAME openai-asio-tools)
set(CPACK_DEBIAN_TOOLS_PACKAGE_SECTION utils)
set(CPACK_DEBIAN_TOOLS_DESCRIPTION "command line and mock server for the OpenAI stored completions API
openai is a command line for the OpenAI stored chat completions API:
update, retrieve, list and delete stored completions, and tag many of
them in batches (update-many) with resumption and rate-limit pacing.
.
openai-mock serves the same API from memory over HTTPS and HTTP, with
injectable faults, for testing programs offline.")
# Depends computed by dpkg-shlibdeps from the shared libraries the executables link
# (Boost.JSON/Boost.URL 1.81, OpenSSL 3, the C++ runtime).
set(CPACK_DEBIAN_TOOLS_PACKAGE_SHLIBDEPS ON)

# Debian's doc files and stripping: only while CPack installs into its staging folders.
string(TIMESTAMP OPENAI_ASIO_DEBIAN_DATE "%a, %d %b %Y %H:%M:%S +0000" UTC)
configure_file(${PROJECT_SOURCE_DIR}/cmake/debian/changelog.Debian.in
               ${PROJECT_BINARY_DIR}/debian/changelog.Debian @ONLY)
set(CPACK_CUSTOM_INSTALL_VARIABLES OPENAI_ASIO_DEBIAN_PACKAGE=ON)
foreach(component dev tools)
  string(TOUPPER ${component} upper)
  install(CODE "
    if(OPENAI_ASIO_DEBIAN_PACKAGE)
      set(package ${CPACK_DEBIAN_${upper}_PACKAGE_NAME})
      set(source_dir \"${PROJECT_SOURCE_DIR}\")
      set(binary_dir \"${PROJECT_BINARY_DIR}\")
      include(\"${PROJECT_SOURCE_DIR}/cmake/debian/finish_package.cmake\")
    endif()" COMPONENT ${component})
endforeach()

include(CPack)
