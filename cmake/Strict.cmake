# Strict Qt and compiler settings, applied per target (no directory-wide flags).
function(switchboard_strict target)
  target_compile_definitions(${target} PRIVATE
    QT_NO_CAST_FROM_ASCII
    QT_NO_CAST_TO_ASCII
    QT_USE_QSTRINGBUILDER
    QT_NO_FOREACH
    QT_NO_URL_CAST_FROM_STRING
    QT_NO_NARROWING_CONVERSIONS_IN_CONNECT
    QT_DISABLE_DEPRECATED_BEFORE=0x060400)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic)
  if(SWITCHBOARD_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
  if(SWITCHBOARD_SANITIZE)
    # GCC's -fsanitize=undefined leaves out float-cast-overflow (a double out of an int's
    # range cast to int): agents' numbers reach such casts, so it is named here.
    target_compile_options(${target} PRIVATE -fsanitize=address,undefined,float-cast-overflow
                           -fno-omit-frame-pointer -fno-sanitize-recover=all)
    target_link_options(${target} PRIVATE -fsanitize=address,undefined,float-cast-overflow)
    target_compile_definitions(${target} PRIVATE SWITCHBOARD_SANITIZED)
  endif()
  if(SWITCHBOARD_FUZZ)
    # Coverage instrumentation for libFuzzer everywhere; only the fuzz targets link its
    # main (-fsanitize=fuzzer, tests/fuzz). UBSan findings abort, so they count as crashes.
    target_compile_options(${target} PRIVATE -fsanitize=fuzzer-no-link,address,undefined
                           -fno-sanitize-recover=undefined -fno-omit-frame-pointer)
    target_link_options(${target} PRIVATE -fsanitize=address,undefined)
    target_compile_definitions(${target} PRIVATE SWITCHBOARD_SANITIZED SWITCHBOARD_FUZZING)
  endif()
endfunction()
