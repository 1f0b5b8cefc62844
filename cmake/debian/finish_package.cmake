# Run at install time for one Debian package (only while CPack builds the packages: see
# CPACK_CUSTOM_INSTALL_VARIABLES in packaging.cmake). CPACK_STRIP_FILES strips executables but
# not static libraries: their debug info would make the package 20 times larger, so it goes
# too. Debian wants in /usr/share/doc/<package>/
# a copyright file, the Debian changelog and the upstream one, all gzipped with -n (no time
# stamp, so a rebuild is identical), and man pages gzipped too.
# Set by the install(CODE) that includes this: package, source_dir, binary_dir.
set(root "$ENV{DESTDIR}${CMAKE_INSTALL_PREFIX}")
set(doc "${root}/share/doc/${package}")
file(MAKE_DIRECTORY "${doc}")
file(COPY_FILE "${source_dir}/cmake/debian/copyright" "${doc}/copyright")
file(COPY_FILE "${source_dir}/CHANGELOG.md" "${doc}/changelog")
file(COPY_FILE "${binary_dir}/debian/changelog.Debian" "${doc}/changelog.Debian")
file(GLOB man_pages "${root}/share/man/man*/*.[1-9]")
foreach(file "${doc}/changelog" "${doc}/changelog.Debian" ${man_pages})
  execute_process(COMMAND gzip -9nf "${file}" COMMAND_ERROR_IS_FATAL ANY)
endforeach()
# Debian's default file modes, whatever the umask of the build.
file(GLOB_RECURSE files "${doc}/*")
file(CHMOD ${files} PERMISSIONS OWNER_READ OWNER_WRITE GROUP_READ WORLD_READ)
file(GLOB static_libraries "${root}/lib/*.a" "${root}/lib/*/*.a")
foreach(library ${static_libraries})
  execute_process(COMMAND strip --strip-debug "${library}" COMMAND_ERROR_IS_FATAL ANY)
endforeach()
