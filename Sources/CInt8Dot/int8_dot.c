// The int8 product behind the doctor's candidate pass (ProbeDoctor/CosineNeighbors.swift):
// C = A · Bᵀ over int8 rows, exact in int32, in one scalar reference and three vector kernels.
// Every kernel returns the same integers (tests compare each with the scalar one); only speed differs.
//
// Layout: A [rows_a, stride] and B [rows_b, stride] row-major int8, both read along t, so each
// output is a dot product of two contiguous rows. The vector kernels hold a small tile of outputs
// (rows of A × rows of B) in registers, each as a vector of partial sums over t, and add the lanes
// of each vector once at the end of the row. Each function carries its own target attribute, so
// this file builds for any x86-64 and picks a kernel at run time.
#include "CInt8Dot.h"

#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#if defined(__x86_64__)
#include <immintrin.h>
#endif

// Reference: the definition, one output at a time.
static void gemm_scalar(const int8_t *a, int rows_a, const int8_t *b, int rows_b, int len, int stride,
                        int32_t *c, int ldc) {
    for (int r = 0; r < rows_a; r++) {
        for (int j = 0; j < rows_b; j++) {
            int32_t sum = 0;
            for (int t = 0; t < len; t++) sum += (int32_t)a[(size_t)r * stride + t] * (int32_t)b[(size_t)j * stride + t];
            c[(size_t)r * ldc + j] = sum;
        }
    }
}

#if defined(__x86_64__)

// AVX2: Σ a·b with vpmaddubsw, which multiplies unsigned by signed bytes and adds adjacent pairs
// into saturating int16. The sign of a moves onto b (|a| · sign(a)·b = a·b), so both factors are
// at most 127 and a pair sum at most 2 · 127² = 32258 < 2¹⁵: it never saturates. vpmaddwd with
// ones widens the pairs to int32. Tile: 2 rows of A × 4 rows of B = 8 accumulators (of 16 registers).
__attribute__((target("avx2")))
static inline __m128i hsum_4x8_avx2(__m256i x0, __m256i x1, __m256i x2, __m256i x3) {
    // [Σx0, Σx1, Σx2, Σx3]: two rounds of pairwise adds inside each 128-bit half, then the halves.
    __m256i h = _mm256_hadd_epi32(_mm256_hadd_epi32(x0, x1), _mm256_hadd_epi32(x2, x3));
    return _mm_add_epi32(_mm256_castsi256_si128(h), _mm256_extracti128_si256(h, 1));
}

__attribute__((target("avx2")))
static void gemm_avx2(const int8_t *a, int rows_a, const int8_t *b, int rows_b, int len, int stride,
                      int32_t *c, int ldc) {
    const __m256i ones = _mm256_set1_epi16(1);
    int r = 0;
    for (; r + 2 <= rows_a; r += 2) {
        const int8_t *a0 = a + (size_t)r * stride, *a1 = a0 + stride;
        int j = 0;
        for (; j + 4 <= rows_b; j += 4) {
            const int8_t *b0 = b + (size_t)j * stride;
            __m256i acc[2][4];
            for (int x = 0; x < 2; x++) for (int y = 0; y < 4; y++) acc[x][y] = _mm256_setzero_si256();
            for (int t = 0; t < len; t += 32) {
                __m256i va0 = _mm256_loadu_si256((const __m256i *)(a0 + t));
                __m256i va1 = _mm256_loadu_si256((const __m256i *)(a1 + t));
                __m256i abs0 = _mm256_abs_epi8(va0), abs1 = _mm256_abs_epi8(va1);
                for (int y = 0; y < 4; y++) {
                    __m256i vb = _mm256_loadu_si256((const __m256i *)(b0 + (size_t)y * stride + t));
                    __m256i p0 = _mm256_maddubs_epi16(abs0, _mm256_sign_epi8(vb, va0));
                    __m256i p1 = _mm256_maddubs_epi16(abs1, _mm256_sign_epi8(vb, va1));
                    acc[0][y] = _mm256_add_epi32(acc[0][y], _mm256_madd_epi16(p0, ones));
                    acc[1][y] = _mm256_add_epi32(acc[1][y], _mm256_madd_epi16(p1, ones));
                }
            }
            for (int x = 0; x < 2; x++)
                _mm_storeu_si128((__m128i *)(c + (size_t)(r + x) * ldc + j), hsum_4x8_avx2(acc[x][0], acc[x][1], acc[x][2], acc[x][3]));
        }
        if (j < rows_b) gemm_scalar(a0, 2, b + (size_t)j * stride, rows_b - j, len, stride, c + (size_t)r * ldc + j, ldc);
    }
    if (r < rows_a) gemm_scalar(a + (size_t)r * stride, rows_a - r, b, rows_b, len, stride, c + (size_t)r * ldc, ldc);
}

// AVX-VNNI: vpdpbusd adds four u8·s8 products per int32 lane without saturation. A is made
// unsigned by flipping its top bit (a + 128), so the sum is Σ(a + 128)·b = a·b + 128·Σb, and
// 128·Σb (b_sum, one sum per row of B) is subtracted at the end. Tile: 2 rows of A × 4 rows of B.
__attribute__((target("avx2,avxvnni")))
static void gemm_avxvnni(const int8_t *a, int rows_a, const int8_t *b, int rows_b, int len, int stride,
                         int32_t *c, int ldc, const int32_t *b_sum) {
    const __m256i flip = _mm256_set1_epi8((char)0x80);
    int r = 0;
    for (; r + 2 <= rows_a; r += 2) {
        const int8_t *a0 = a + (size_t)r * stride, *a1 = a0 + stride;
        int j = 0;
        for (; j + 4 <= rows_b; j += 4) {
            const int8_t *b0 = b + (size_t)j * stride;
            __m256i acc[2][4];
            for (int y = 0; y < 4; y++) acc[0][y] = acc[1][y] = _mm256_setzero_si256();
            for (int t = 0; t < len; t += 32) {
                __m256i ua0 = _mm256_xor_si256(_mm256_loadu_si256((const __m256i *)(a0 + t)), flip);
                __m256i ua1 = _mm256_xor_si256(_mm256_loadu_si256((const __m256i *)(a1 + t)), flip);
                for (int y = 0; y < 4; y++) {
                    __m256i vb = _mm256_loadu_si256((const __m256i *)(b0 + (size_t)y * stride + t));
                    acc[0][y] = _mm256_dpbusd_avx_epi32(acc[0][y], ua0, vb);
                    acc[1][y] = _mm256_dpbusd_avx_epi32(acc[1][y], ua1, vb);
                }
            }
            __m128i correction = _mm_slli_epi32(_mm_loadu_si128((const __m128i *)(b_sum + j)), 7);
            for (int x = 0; x < 2; x++)
                _mm_storeu_si128((__m128i *)(c + (size_t)(r + x) * ldc + j),
                                 _mm_sub_epi32(hsum_4x8_avx2(acc[x][0], acc[x][1], acc[x][2], acc[x][3]), correction));
        }
        if (j < rows_b) gemm_scalar(a0, 2, b + (size_t)j * stride, rows_b - j, len, stride, c + (size_t)r * ldc + j, ldc);
    }
    if (r < rows_a) gemm_scalar(a + (size_t)r * stride, rows_a - r, b, rows_b, len, stride, c + (size_t)r * ldc, ldc);
}

// AVX-512 VNNI: the same u8·s8 trick on 64-byte registers. Tile: 4 rows of A × 4 rows of B =
// 16 accumulators; their 16 lane sums are formed together (hsum_16x16) and land in one register
// in tile order, so a row of the tile is one 128-bit store.
__attribute__((target("avx512f,avx512bw,avx512vnni")))
static inline __m512i hsum_4x16(__m512i x0, __m512i x1, __m512i x2, __m512i x3) {
    // Per 128-bit block: [partial Σx0, Σx1, Σx2, Σx3] (unpack + add, twice).
    __m512i t01 = _mm512_add_epi32(_mm512_unpacklo_epi32(x0, x1), _mm512_unpackhi_epi32(x0, x1));
    __m512i t23 = _mm512_add_epi32(_mm512_unpacklo_epi32(x2, x3), _mm512_unpackhi_epi32(x2, x3));
    return _mm512_add_epi32(_mm512_unpacklo_epi64(t01, t23), _mm512_unpackhi_epi64(t01, t23));
}

__attribute__((target("avx512f,avx512bw,avx512vnni")))
static inline __m512i hsum_16x16(__m512i acc[16]) {
    __m512i u0 = hsum_4x16(acc[0], acc[1], acc[2], acc[3]), u1 = hsum_4x16(acc[4], acc[5], acc[6], acc[7]);
    __m512i u2 = hsum_4x16(acc[8], acc[9], acc[10], acc[11]), u3 = hsum_4x16(acc[12], acc[13], acc[14], acc[15]);
    // Add the four 128-bit blocks of each u: pairs of blocks first, then pairs of pairs.
    __m512i v01 = _mm512_add_epi32(_mm512_shuffle_i32x4(u0, u1, 0x88), _mm512_shuffle_i32x4(u0, u1, 0xDD));
    __m512i v23 = _mm512_add_epi32(_mm512_shuffle_i32x4(u2, u3, 0x88), _mm512_shuffle_i32x4(u2, u3, 0xDD));
    return _mm512_add_epi32(_mm512_shuffle_i32x4(v01, v23, 0x88), _mm512_shuffle_i32x4(v01, v23, 0xDD));
}

__attribute__((target("avx512f,avx512bw,avx512vnni")))
static void gemm_avx512vnni(const int8_t *a, int rows_a, const int8_t *b, int rows_b, int len, int stride,
                            int32_t *c, int ldc, const int32_t *b_sum) {
    const __m512i flip = _mm512_set1_epi8((char)0x80);
    int r = 0;
    for (; r + 4 <= rows_a; r += 4) {
        const int8_t *ar = a + (size_t)r * stride;
        int j = 0;
        for (; j + 4 <= rows_b; j += 4) {
            const int8_t *bj = b + (size_t)j * stride;
            __m512i acc[16];
            for (int x = 0; x < 16; x++) acc[x] = _mm512_setzero_si512();
            for (int t = 0; t < len; t += 64) {
                __m512i ua[4];
                for (int x = 0; x < 4; x++) ua[x] = _mm512_xor_si512(_mm512_loadu_si512(ar + (size_t)x * stride + t), flip);
                for (int y = 0; y < 4; y++) {
                    __m512i vb = _mm512_loadu_si512(bj + (size_t)y * stride + t);
                    for (int x = 0; x < 4; x++) acc[4 * x + y] = _mm512_dpbusd_epi32(acc[4 * x + y], ua[x], vb);
                }
            }
            __m128i correction = _mm_slli_epi32(_mm_loadu_si128((const __m128i *)(b_sum + j)), 7);
            __m512i sums = hsum_16x16(acc);
            _mm_storeu_si128((__m128i *)(c + (size_t)(r + 0) * ldc + j), _mm_sub_epi32(_mm512_extracti32x4_epi32(sums, 0), correction));
            _mm_storeu_si128((__m128i *)(c + (size_t)(r + 1) * ldc + j), _mm_sub_epi32(_mm512_extracti32x4_epi32(sums, 1), correction));
            _mm_storeu_si128((__m128i *)(c + (size_t)(r + 2) * ldc + j), _mm_sub_epi32(_mm512_extracti32x4_epi32(sums, 2), correction));
            _mm_storeu_si128((__m128i *)(c + (size_t)(r + 3) * ldc + j), _mm_sub_epi32(_mm512_extracti32x4_epi32(sums, 3), correction));
        }
        if (j < rows_b) gemm_scalar(ar, 4, b + (size_t)j * stride, rows_b - j, len, stride, c + (size_t)r * ldc + j, ldc);
    }
    if (r < rows_a) gemm_scalar(a + (size_t)r * stride, rows_a - r, b, rows_b, len, stride, c + (size_t)r * ldc, ldc);
}

#endif

int probe_i8_level_supported(int level) {
    switch (level) {
    case PROBE_I8_SCALAR: return 1;
#if defined(__x86_64__)
    case PROBE_I8_AVX2: return __builtin_cpu_supports("avx2");
    case PROBE_I8_AVXVNNI: return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("avxvnni");
    case PROBE_I8_AVX512VNNI:
        return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512vnni");
#endif
    default: return 0;
    }
}

int probe_i8_best_level(void) {
    for (int level = PROBE_I8_AVX512VNNI; level > PROBE_I8_SCALAR; level--)
        if (probe_i8_level_supported(level)) return level;
    return PROBE_I8_SCALAR;
}

// Σ_t b[j, t] for each row of B: the u8·s8 kernels over-count 128 times it (a + 128 in place of a).
static int32_t *row_sums(const int8_t *b, int rows_b, int len, int stride) {
    int32_t *sum = malloc(((size_t)rows_b + 4) * sizeof(int32_t));
    if (!sum) return NULL;
    for (int j = 0; j < rows_b; j++) {
        int32_t s = 0;
        for (int t = 0; t < len; t++) s += b[(size_t)j * stride + t];
        sum[j] = s;
    }
    return sum;
}

void probe_i8_gemm_nt(int level, const int8_t *a, int rows_a, const int8_t *b, int rows_b,
                      int len, int stride, const int32_t *b_sums, int32_t *c, int ldc) {
    switch (level) {
#if defined(__x86_64__)
    case PROBE_I8_AVX512VNNI:
    case PROBE_I8_AVXVNNI: {
        int32_t *computed = b_sums ? NULL : row_sums(b, rows_b, len, stride);
        if (!b_sums && !computed) break;  // no memory for rows_b ints: the scalar loop below needs none
        const int32_t *sums = b_sums ? b_sums : computed;
        if (level == PROBE_I8_AVX512VNNI) gemm_avx512vnni(a, rows_a, b, rows_b, len, stride, c, ldc, sums);
        else gemm_avxvnni(a, rows_a, b, rows_b, len, stride, c, ldc, sums);
        free(computed);
        return;
    }
    case PROBE_I8_AVX2: gemm_avx2(a, rows_a, b, rows_b, len, stride, c, ldc); return;
#endif
    default: break;
    }
    gemm_scalar(a, rows_a, b, rows_b, len, stride, c, ldc);
}

// Quantization of one row. In C rather than Swift because Swift's SIMD pointwiseMax and clamped
// compile to one lane at a time here (~15 µs a 1280-float row, 3 ms of a 198-row doctor run);
// these loops are plain element-wise arithmetic and integer max, which the compiler vectorises.
#pragma STDC FP_CONTRACT OFF
float probe_i8_quantize_row(const float *u, int len, int8_t *code, int32_t *code_sum, double squares[3]) {
    // max |u_t| through the bit patterns with the sign cleared: for finite floats their unsigned
    // order is the order of the magnitudes.
    uint32_t widest = 0;
    for (int t = 0; t < len; t++) {
        uint32_t bits;
        memcpy(&bits, u + t, sizeof bits);
        bits &= 0x7fffffffu;
        widest = bits > widest ? bits : widest;
    }
    float largest;
    memcpy(&largest, &widest, sizeof largest);
    const float scale = largest / 127, inverse = largest > 0 ? 127 / largest : 0;
    float coded[16] = {0}, error[16] = {0}, whole[16] = {0};
    int32_t sum = 0;
    for (int t0 = 0; t0 < len; t0 += 16) {
        const int width = len - t0 < 16 ? len - t0 : 16;
        for (int l = 0; l < width; l++) {
            const float x = u[t0 + l];
            float y = x * inverse;
            y = y < -127 ? -127 : (y > 127 ? 127 : y);
            // nearbyintf(y) (round half to even), without a libm call per value that keeps the loop
            // scalar on baseline x86-64: adding and subtracting 1.5 * 2^23 leaves y rounded to an
            // integer in the current rounding mode, exactly, for |y| <= 127.
            const float c = (y + 12582912.0f) - 12582912.0f;
            code[t0 + l] = (int8_t)c;
            sum += (int32_t)c;
            const float approx = c * scale, e = x - approx;
            coded[l] += approx * approx;
            error[l] += e * e;
            whole[l] += x * x;
        }
    }
    float a = 0, b = 0, w = 0;
    for (int l = 0; l < 16; l++) { a += coded[l]; b += error[l]; w += whole[l]; }
    *code_sum = sum;
    squares[0] = a;
    squares[1] = b;
    squares[2] = w;
    return scale;
}
