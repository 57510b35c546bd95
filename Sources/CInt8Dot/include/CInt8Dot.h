#ifndef PROBE_INT8_DOT_H
#define PROBE_INT8_DOT_H

#include <stdint.h>

/* Which instruction set the int8 product runs on; each level also runs on every CPU above it. */
enum {
    PROBE_I8_SCALAR = 0,      /* plain C, any CPU */
    PROBE_I8_AVX2 = 1,        /* vpmaddubsw + vpmaddwd (Haswell, Zen 1-3 and later) */
    PROBE_I8_AVXVNNI = 2,     /* vpdpbusd on 256-bit registers (Alder Lake, Zen 4 and later) */
    PROBE_I8_AVX512VNNI = 3,  /* vpdpbusd on 512-bit registers (Ice Lake, Zen 4 and later) */
};

/* The fastest level this CPU and OS support. */
int probe_i8_best_level(void);

/* 1 when `level` runs on this CPU, 0 otherwise. */
int probe_i8_level_supported(int level);

/* C = A · Bᵀ on int8 rows, exact in int32:
 *     c[r * ldc + j] = Σ_t a[r * stride + t] · b[j * stride + t],  t < len,
 * A is [rows_a, stride] and B [rows_b, stride], row-major. Requirements (the caller pads):
 * len is a multiple of 64, every value lies in [-127, 127] (never -128), len · 127² < 2³¹.
 * b_sums, when not NULL, holds Σ_t b[j * stride + t] for each row of B (the VNNI kernels need it;
 * computed here when NULL). Runs `level` (which must be supported) on one thread. */
void probe_i8_gemm_nt(int level, const int8_t *a, int rows_a, const int8_t *b, int rows_b,
                      int len, int stride, const int32_t *b_sums, int32_t *c, int ldc);

/* Quantizes one row u[0..<len] (ProbeDoctor/QuantizedRows.swift has the math): with m = max_t |u_t|,
 * scale s = m / 127 and code q_t = u_t · (127 / m) rounded to the nearest integer (ties to even),
 * kept within [-127, 127]. Writes the len codes and their sum, and into squares[0..2] the sums of
 * (s q_t)², (u_t − s q_t)² and u_t², each accumulated in float32 over sixteen lanes (lane l takes
 * t ≡ l mod 16) that are then added in lane order. Returns s. The values must be finite. */
float probe_i8_quantize_row(const float *u, int len, int8_t *code, int32_t *code_sum, double squares[3]);

#endif
