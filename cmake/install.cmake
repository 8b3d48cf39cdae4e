# blog_common as an installable library, for services built outside this tree:
#   cmake --install build --prefix P    P/include/blog/common/*.hpp (the public headers only),
#                                       P/lib/libblog_common.a, the CMake package BlogCommon
#                                       (find_package(BlogCommon CONFIG) -> blog::common) and
#                                       P/lib/pkgconfig/blog-common.pc
#   cpack --config build/CPackConfig.cmake   libblog-common-dev_<version>_<arch>.deb with the same
#                                       files under /usr, depending on the Debian -dev packages
# Only the "blog_common_dev" component is installed or packaged; the version is project()'s.
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

set(BLOG_INSTALL_INCLUDEDIR "${CMAKE_INSTALL_INCLUDEDIR}/blog")
set(BLOG_INSTALL_CMAKEDIR "${CMAKE_INSTALL_LIBDIR}/cmake/BlogCommon")

# Inside this tree blog_common's include folders are absolute source paths; an installed copy has
# them under the prefix instead. Wrapping whatever the target declares keeps common/ free to
# change its own include folders.
get_target_property(blog_include_dirs blog_common INTERFACE_INCLUDE_DIRECTORIES)
set(blog_wrapped_dirs "")
foreach(dir IN LISTS blog_include_dirs)
  if(dir MATCHES "^\\$<")
    list(APPEND blog_wrapped_dirs "${dir}")
  else()
    list(APPEND blog_wrapped_dirs "$<BUILD_INTERFACE:${dir}>")
  endif()
endforeach()
set_target_properties(blog_common PROPERTIES
  INTERFACE_INCLUDE_DIRECTORIES "${blog_wrapped_dirs}"
  EXPORT_NAME common)
target_include_directories(blog_common INTERFACE
  $<INSTALL_INTERFACE:${BLOG_INSTALL_INCLUDEDIR}>)
target_compile_features(blog_common PUBLIC cxx_std_20)

install(TARGETS blog_common EXPORT BlogCommonTargets
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR} COMPONENT blog_common_dev
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR} COMPONENT blog_common_dev)
install(DIRECTORY ${PROJECT_SOURCE_DIR}/common/include/common
  DESTINATION ${BLOG_INSTALL_INCLUDEDIR} COMPONENT blog_common_dev
  FILES_MATCHING PATTERN "*.hpp")
install(EXPORT BlogCommonTargets NAMESPACE blog:: DESTINATION ${BLOG_INSTALL_CMAKEDIR}
  COMPONENT blog_common_dev)

configure_package_config_file(${CMAKE_CURRENT_LIST_DIR}/BlogCommonConfig.cmake.in
  ${CMAKE_CURRENT_BINARY_DIR}/BlogCommonConfig.cmake
  INSTALL_DESTINATION ${BLOG_INSTALL_CMAKEDIR})
# 0.x: a new minor version may break the API.
write_basic_package_version_file(${CMAKE_CURRENT_BINARY_DIR}/BlogCommonConfigVersion.cmake
  COMPATIBILITY SameMinorVersion)
install(FILES ${CMAKE_CURRENT_BINARY_DIR}/BlogCommonConfig.cmake
  ${CMAKE_CURRENT_BINARY_DIR}/BlogCommonConfigVersion.cmake
  DESTINATION ${BLOG_INSTALL_CMAKEDIR} COMPONENT blog_common_dev)

# blog-common.pc finds its prefix from where it lies, so the same file serves any prefix.
file(RELATIVE_PATH BLOG_PC_TO_PREFIX "${CMAKE_INSTALL_FULL_LIBDIR}/pkgconfig"
  "${CMAKE_INSTALL_PREFIX}")
configure_file(${CMAKE_CURRENT_LIST_DIR}/blog-common.pc.in
  ${CMAKE_CURRENT_BINARY_DIR}/blog-common.pc @ONLY)
install(FILES ${CMAKE_CURRENT_BINARY_DIR}/blog-common.pc
  DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig COMPONENT blog_common_dev)

# The Debian package: the library is static, so it depends on the -dev packages it links with.
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME libblog-common-dev)
set(CPACK_PACKAGE_VENDOR "blog")
set(CPACK_PACKAGE_CONTACT "blog maintainers <maintainers@blog.example>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY
  "blog services' shared library: events, listeners, outbox, HTTP and PostgreSQL runtime")
set(CPACK_PACKAGE_DESCRIPTION "Static library, headers, CMake package (find_package(BlogCommon \
CONFIG), target blog::common) and pkg-config file (blog-common) for writing a service of the blog \
backend.")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION libdevel)
set(CPACK_DEBIAN_PACKAGE_DEPENDS
  "libnats-dev (>= 3.3), libpqxx-dev (>= 6.4), libpqxx-dev (<< 7), libpq-dev, libmicrohttpd-dev, libssl-dev, pkg-config")
set(CPACK_DEBIAN_PACKAGE_SUGGESTS "cmake (>= 3.25), g++ (>= 12)")
set(CPACK_INSTALL_CMAKE_PROJECTS "${CMAKE_BINARY_DIR};${PROJECT_NAME};blog_common_dev;/")
set(CPACK_PACKAGE_DIRECTORY "${CMAKE_BINARY_DIR}/packages")
include(CPack)
