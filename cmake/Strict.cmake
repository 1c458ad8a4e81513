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
    # clang's -fsanitize=integer adds the implicit truncations and sign changes (a 64-bit
    # length into an int): agents choose those lengths. Unsigned wrap-around is defined
    # and intended in hashes, so it stays out; Qt's and the C++ library's headers are
    # not ours to judge (fuzz-ignorelist.txt).
    target_compile_options(${target} PRIVATE -fsanitize=fuzzer-no-link,address,undefined,integer
                           -fno-sanitize=unsigned-integer-overflow,unsigned-shift-base
                           -fsanitize-ignorelist=${PROJECT_SOURCE_DIR}/cmake/fuzz-ignorelist.txt
                           -fno-sanitize-recover=undefined,integer -fno-omit-frame-pointer)
    target_link_options(${target} PRIVATE -fsanitize=address,undefined,integer)
    target_compile_definitions(${target} PRIVATE SWITCHBOARD_SANITIZED SWITCHBOARD_FUZZING)
  endif()
endfunction()
