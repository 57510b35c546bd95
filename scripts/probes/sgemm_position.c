// Does OpenBLAS give a row of C = bias + A·B the same bits wherever that row sits in the call?
//
// For each shape (K, N) the networks use and a few call heights M, the probe computes C for a
// block of A, then again with A shifted by `s` rows inside a taller matrix (so the same row data
// sits at another position of a call of the same shape), again in calls of other heights, and
// with OpenBLAS's own threads on; it counts rows whose bits differ. The core under test is
// chosen with OPENBLAS_CORETYPE (Haswell, Zen, SkylakeX, Sandybridge, Prescott, ...).
//
//   cc -O2 scripts/probes/sgemm_position.c -lopenblas -o /tmp/sgemm_position
//   for c in Prescott Sandybridge Haswell Zen SkylakeX; do OPENBLAS_CORETYPE=$c /tmp/sgemm_position; done
//
// Row-major C[M, N] = A[M, K]·B[K, N] is what conv2dGEMM calls (rows = output pixels, N = output
// channels, K = input channels · taps). OpenBLAS computes it as the column-major Cᵀ = Bᵀ·Aᵀ, so
// our rows are its "N" dimension (its n-unroll tiles) and our channels its "M".
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdint.h>

typedef enum { RowMajor = 101 } Order;
typedef enum { NoTrans = 111 } Trans;
void cblas_sgemm(Order, Trans, Trans, int, int, int, float, const float *, int, const float *, int,
                 float, float *, int);
void openblas_set_num_threads(int);
char *openblas_get_corename(void);

static uint64_t state = 0x9E3779B97F4A7C15ull;
static float next_float(void) {  // SplitMix64 -> uniform in [-1, 1)
    uint64_t z = (state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    z ^= z >> 31;
    return (float)((z >> 40) * (1.0 / 16777216.0)) * 2.0f - 1.0f;
}

// C[rows, n] = bias + A[first..first+rows, k]·B, beta = 1 onto the bias (as conv2dGEMM does).
static void gemm(const float *a, int first, int rows, int k, int n, const float *b, const float *bias, float *c) {
    for (int r = 0; r < rows; r++) memcpy(c + (size_t)r * n, bias, sizeof(float) * n);
    cblas_sgemm(RowMajor, NoTrans, NoTrans, rows, n, k, 1, a + (size_t)first * k, k, b, n, 1, c, n);
}

// Rows of `got` (rows starting at data row `gotFirst`) whose bits differ from `want` (starting at `wantFirst`).
static int differing_rows(const float *want, int wantFirst, const float *got, int gotFirst, int rows, int n) {
    int count = 0;
    for (int r = 0; r < rows; r++) {
        const float *x = want + (size_t)(gotFirst + r - wantFirst) * n, *y = got + (size_t)r * n;
        if (memcmp(x, y, sizeof(float) * n) != 0) count++;
    }
    return count;
}

int main(int argc, char **argv) {
    // (K, N): 1×1 expand/project and grouped 7×7 shapes of MobileNetV2 / Lite0 / B0, an im2col
    // 3×3 (VGG16-like), the Winograd per-point GEMM (K = inC), and a few edge widths.
    static const int shapes[][2] = {
        {16, 96}, {24, 144}, {32, 192}, {64, 384}, {96, 576}, {160, 960}, {320, 1280},
        {144, 24}, {192, 32}, {384, 64}, {576, 96}, {960, 160}, {960, 320}, {672, 112}, {1152, 192},
        {40, 240}, {80, 480}, {112, 672}, {4, 32}, {32, 8}, {27, 32}, {288, 64}, {512, 512}, {17, 23},
    };
    static const int heights[] = {1, 2, 3, 5, 7, 49, 98, 392, 256, 512};
    const int nshapes = sizeof shapes / sizeof shapes[0], nheights = sizeof heights / sizeof heights[0];
    const int maxRows = 1100;
    openblas_set_num_threads(1);
    printf("core %s\n", openblas_get_corename());
    printf("%-10s %5s | %-36s | %-26s | %s\n", "K x N", "M", "same M, shifted by 1,2,3,4,8,16 rows",
           "vs M=1 / M=49 calls", "OpenBLAS 2 threads");
    int anyShift = 0, anyHeight = 0, anyThreads = 0;
    for (int s = 0; s < nshapes; s++) {
        int k = shapes[s][0], n = shapes[s][1];
        float *a = malloc(sizeof(float) * (size_t)maxRows * k), *b = malloc(sizeof(float) * (size_t)k * n);
        float *bias = malloc(sizeof(float) * n);
        float *c0 = malloc(sizeof(float) * (size_t)maxRows * n), *c1 = malloc(sizeof(float) * (size_t)maxRows * n);
        for (size_t i = 0; i < (size_t)maxRows * k; i++) a[i] = next_float();
        for (size_t i = 0; i < (size_t)k * n; i++) b[i] = next_float() * 0.1f;
        for (int i = 0; i < n; i++) bias[i] = next_float();
        // Each row alone (M = 1) and in calls of 49 rows: the baselines.
        float *alone = malloc(sizeof(float) * (size_t)maxRows * n), *by49 = malloc(sizeof(float) * (size_t)maxRows * n);
        for (int r = 0; r < maxRows; r++) gemm(a, r, 1, k, n, b, bias, alone + (size_t)r * n);
        for (int r = 0; r + 49 <= maxRows; r += 49) gemm(a, r, 49, k, n, b, bias, by49 + (size_t)r * n);
        for (int h = 0; h < nheights; h++) {
            int m = heights[h];
            gemm(a, 0, m, k, n, b, bias, c0);
            char shifts[64] = "", vs[64] = "";
            static const int offsets[] = {1, 2, 3, 4, 8, 16};
            int shifted = 0;
            for (int o = 0; o < 6; o++) {
                // Rows offsets[o]..<m of c0 reappear at positions 0..<m-offsets[o] of this call.
                gemm(a, offsets[o], m, k, n, b, bias, c1);
                int overlap = m - offsets[o];
                int d = overlap > 0 ? differing_rows(c0, 0, c1, offsets[o], overlap, n) : 0;
                shifted += d;
                snprintf(shifts + strlen(shifts), sizeof shifts - strlen(shifts), "%5d", d);
            }
            int d1 = differing_rows(alone, 0, c0, 0, m, n);
            int d49 = m <= 1078 ? differing_rows(by49, 0, c0, 0, m / 49 * 49, n) : 0;
            snprintf(vs, sizeof vs, "%4d/%-4d %4d/%-4d", d1, m, d49, m / 49 * 49);
            openblas_set_num_threads(2);
            gemm(a, 0, m, k, n, b, bias, c1);
            openblas_set_num_threads(1);
            int dt = differing_rows(c0, 0, c1, 0, m, n);
            anyShift |= shifted > 0; anyHeight |= d1 > 0 || d49 > 0; anyThreads |= dt > 0;
            if (argc > 1 || shifted || d1 || d49 || dt)
                printf("%4dx%-5d %5d | %-36s | %-26s | %d/%d\n", k, n, m, shifts, vs, dt, m);
        }
        free(a); free(b); free(bias); free(c0); free(c1); free(alone); free(by49);
    }
    printf("summary %s: position within a call %s; call height %s; OpenBLAS threads %s\n", openblas_get_corename(),
           anyShift ? "CHANGES BITS" : "no effect", anyHeight ? "CHANGES BITS" : "no effect",
           anyThreads ? "CHANGES BITS" : "no effect");
    return 0;
}
