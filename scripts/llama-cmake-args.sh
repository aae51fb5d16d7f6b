#!/bin/sh
# CMAKE_ARGS for building llama-cpp-python from source.
#
# llama.cpp's default "native" build turns on AMX kernels whenever the CPU advertises
# AMX.  Some virtual machines advertise it without letting processes use AMX tiles, and
# the first matrix multiply then dies with SIGILL (seen on our CI machines).  On Linux
# x86 we therefore build for exactly the CPU's SIMD features, minus AMX.  Elsewhere we
# print nothing and llama.cpp's defaults apply.
flags=$(grep -m1 '^flags' /proc/cpuinfo 2>/dev/null) || exit 0
case " $flags " in *" avx "*) ;; *) exit 0 ;; esac
has() { case " $flags " in *" $1 "*) return 0 ;; esac; return 1; }
args="-DGGML_NATIVE=OFF -DGGML_AMX_TILE=OFF -DGGML_AMX_INT8=OFF -DGGML_AMX_BF16=OFF"
has avx && args="$args -DGGML_AVX=ON"
has avx2 && args="$args -DGGML_AVX2=ON"
has fma && args="$args -DGGML_FMA=ON"
has f16c && args="$args -DGGML_F16C=ON"
has bmi2 && args="$args -DGGML_BMI2=ON"
has avx512f && args="$args -DGGML_AVX512=ON"
has avx512vbmi && args="$args -DGGML_AVX512_VBMI=ON"
has avx512_vnni && args="$args -DGGML_AVX512_VNNI=ON"
has avx512_bf16 && args="$args -DGGML_AVX512_BF16=ON"
has avx_vnni && args="$args -DGGML_AVX_VNNI=ON"
echo "$args"
