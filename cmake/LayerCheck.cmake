# The layer rule as a build failure (docs/architecture.md): models/ and widgets/ use
# core_types only (the contract, plain types, utilities); I/O (Redis, Postgres, the
# services over them) is core_io, wired to the views by app/*Feature.
# 1. Headers: scripts/check_layers.py fails the build when a file in models/ or widgets/
#    includes, directly or through what it includes, libpqxx, libpq, hiredis or a header
#    of core_io. cmake/layer-allowlist.txt names the files still waiting for their move.
# 2. Links: layer_link_check (models) and layer_link_check_widgets link all of their
#    objects (whole archive) against core_types and Qt alone: a call into core_io is an
#    undefined reference.
find_package(Python3 REQUIRED COMPONENTS Interpreter)

set(_layer_dir ${CMAKE_BINARY_DIR}/layer-check)
set(_layer_io_list ${_layer_dir}/core_io_sources.txt)
file(GENERATE OUTPUT ${_layer_io_list}
     CONTENT "$<JOIN:$<TARGET_PROPERTY:core_io,SOURCES>,\n>\n")
file(GLOB_RECURSE _layer_inputs CONFIGURE_DEPENDS
     ${PROJECT_SOURCE_DIR}/models/*.h ${PROJECT_SOURCE_DIR}/models/*.cpp
     ${PROJECT_SOURCE_DIR}/widgets/*.h ${PROJECT_SOURCE_DIR}/widgets/*.cpp
     ${PROJECT_SOURCE_DIR}/core/*.h)
set(_layer_command ${Python3_EXECUTABLE} ${PROJECT_SOURCE_DIR}/scripts/check_layers.py
    --root ${PROJECT_SOURCE_DIR} --io-sources ${_layer_io_list}
    --allow ${PROJECT_SOURCE_DIR}/cmake/layer-allowlist.txt)
add_custom_command(OUTPUT ${_layer_dir}/headers.ok
  COMMAND ${_layer_command} --stamp ${_layer_dir}/headers.ok models widgets
  DEPENDS ${_layer_inputs} ${_layer_io_list} ${PROJECT_SOURCE_DIR}/scripts/check_layers.py
          ${PROJECT_SOURCE_DIR}/cmake/layer-allowlist.txt
  COMMENT "Layer rule: no I/O header in models/ or widgets/"
  VERBATIM)
add_custom_target(layer_headers_check ALL DEPENDS ${_layer_dir}/headers.ok)
add_dependencies(models layer_headers_check)
if(SWITCHBOARD_BUILD_TESTS)
  add_test(NAME layer_rule COMMAND ${_layer_command} models widgets)
endif()

add_executable(layer_link_check ${PROJECT_SOURCE_DIR}/cmake/layer_link_check.cpp)
switchboard_strict(layer_link_check)
target_link_libraries(layer_link_check PRIVATE "$<LINK_LIBRARY:WHOLE_ARCHIVE,models>"
                                               core_types Qt6::Gui)
# The same for widgets (models linked as usual: it is checked above).
add_executable(layer_link_check_widgets ${PROJECT_SOURCE_DIR}/cmake/layer_link_check.cpp)
switchboard_strict(layer_link_check_widgets)
target_link_libraries(layer_link_check_widgets PRIVATE "$<LINK_LIBRARY:WHOLE_ARCHIVE,widgets>"
                                                       models core_types Qt6::Widgets Qt6::Charts)
