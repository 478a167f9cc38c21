/* Multi-buffer SHA-256 and HMAC-SHA256 for ethicompass (loaded with ctypes; no Python headers).
 *
 * SHA-256 (FIPS 180-4) runs on LANES independent messages at once: each 32-bit word of the state is a
 * vector with one element per message, so the compiler emits AVX-512, AVX2 or SSE2 code (function
 * clones picked at load time by the CPU). A lone SHA-256 is not faster this way; many short messages
 * (one HMAC per identifier) or many equal leaves (a tree hash) are, several times over.
 *
 * Every result is checked against Python's hashlib and hmac in tests/privacy_tables/test_native_sha.py.
 */
#include <stdint.h>
#include <string.h>

#define LANES 16
typedef uint32_t v32 __attribute__((vector_size(LANES * 4)));

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define CLONES __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#else
#define CLONES
#endif

static const uint32_t K[64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2};

static const uint8_t ZERO[64];

static const uint32_t IV[8] = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
                               0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};

#define ROR(x, n) (((x) >> (n)) | ((x) << (32 - (n))))

static inline uint32_t be32(const uint8_t *p) {
    return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | (uint32_t)p[3];
}

static inline void put_be32(uint8_t *p, uint32_t x) {
    p[0] = (uint8_t)(x >> 24);
    p[1] = (uint8_t)(x >> 16);
    p[2] = (uint8_t)(x >> 8);
    p[3] = (uint8_t)x;
}

/* One compression of LANES blocks: w[t][lane] is word t of lane's block. */
static inline __attribute__((always_inline)) void compress(v32 st[8], v32 w[16]) {
    v32 a = st[0], b = st[1], c = st[2], d = st[3], e = st[4], f = st[5], g = st[6], h = st[7];
    for (int t = 0; t < 64; t++) {
        v32 wt;
        if (t < 16) {
            wt = w[t];
        } else {
            v32 w15 = w[(t - 15) & 15], w2 = w[(t - 2) & 15];
            v32 s0 = ROR(w15, 7) ^ ROR(w15, 18) ^ (w15 >> 3);
            v32 s1 = ROR(w2, 17) ^ ROR(w2, 19) ^ (w2 >> 10);
            wt = w[t & 15] = w[t & 15] + s0 + w[(t - 7) & 15] + s1;
        }
        v32 t1 = h + (ROR(e, 6) ^ ROR(e, 11) ^ ROR(e, 25)) + ((e & f) ^ (~e & g)) + K[t] + wt;
        v32 t2 = (ROR(a, 2) ^ ROR(a, 13) ^ ROR(a, 22)) + ((a & b) ^ (a & c) ^ (b & c));
        h = g;
        g = f;
        f = e;
        e = d + t1;
        d = c;
        c = b;
        b = a;
        a = t1 + t2;
    }
    st[0] += a;
    st[1] += b;
    st[2] += c;
    st[3] += d;
    st[4] += e;
    st[5] += f;
    st[6] += g;
    st[7] += h;
}

/* Block `b` of the padded message pre || msg (plen + mlen bytes), which follows `skip` bytes already
 * compressed (a multiple of 64, counted in the length); `pre` is shared by all lanes. */
static inline __attribute__((always_inline)) void fill_block(uint8_t blk[64], const uint8_t *pre, uint64_t plen,
                                                             const uint8_t *msg, uint64_t mlen, uint64_t b,
                                                             uint64_t skip) {
    uint64_t len = plen + mlen, start = 64 * b, end = len < start + 64 ? len : start + 64, k = 0;
    if (start < plen) {
        uint64_t e = plen < end ? plen : end;
        memcpy(blk, pre + start, e - start);
        k = e - start;
    }
    uint64_t from = start > plen ? start : plen;
    if (end > from) {
        memcpy(blk + k, msg + (from - plen), end - from);
        k += end - from;
    }
    if (k < 64) {
        memset(blk + k, 0, 64 - k);
        if (len >= start && len < start + 64) blk[len - start] = 0x80;
        uint64_t bits = (skip + len) * 8;
        if (b == (len + 9 + 63) / 64 - 1) {
            for (int i = 0; i < 8; i++) blk[63 - i] = (uint8_t)(bits >> (8 * i));
        }
    }
}

/* SHA-256 of (skipped || pre || msg[l]) for up to LANES messages; `init` is the state after the
 * `skip` skipped bytes (IV when skip is 0; a multiple of 64). Digests go to out[32*l..]. */
static inline __attribute__((always_inline)) void hash_lanes(const uint32_t init[8], uint64_t skip,
                                                             const uint8_t *pre, uint64_t plen,
                                                             const uint8_t *const *msg, const uint64_t *len,
                                                             int nlanes, uint8_t *out) {
    v32 st[8];
    uint64_t nb[LANES], maxnb = 0, minnb = UINT64_MAX;
    uint8_t blk[LANES][64] __attribute__((aligned(64)));
    for (int i = 0; i < 8; i++) st[i] = (v32){0} + init[i];
    for (int l = 0; l < LANES; l++) {
        nb[l] = l < nlanes ? (plen + len[l] + 9 + 63) / 64 : 0;
        if (nb[l] > maxnb) maxnb = nb[l];
        if (l < nlanes && nb[l] < minnb) minnb = nb[l];
    }
    for (uint64_t b = 0; b < maxnb; b++) {
        const uint8_t *src[LANES];
        for (int l = 0; l < LANES; l++) {
            if (b >= nb[l]) {
                src[l] = ZERO;  /* an idle lane: its state is kept below */
            } else if (plen == 0 && 64 * b + 64 <= len[l]) {
                src[l] = msg[l] + 64 * b;  /* a whole block of the message: read it in place */
            } else {
                fill_block(blk[l], pre, plen, msg[l], len[l], b, skip);
                src[l] = blk[l];
            }
        }
        uint32_t words[16][LANES] __attribute__((aligned(64)));
        for (int l = 0; l < LANES; l++)
            for (int t = 0; t < 16; t++) words[t][l] = be32(src[l] + 4 * t);
        v32 w[16];
        memcpy(w, words, sizeof w);
        if (b < minnb) {
            compress(st, w);
        } else {
            v32 saved[8], keep;
            for (int i = 0; i < 8; i++) saved[i] = st[i];
            for (int l = 0; l < LANES; l++) keep[l] = b < nb[l] ? 0xffffffffu : 0u;
            compress(st, w);
            for (int i = 0; i < 8; i++) st[i] = (st[i] & keep) | (saved[i] & ~keep);
        }
    }
    for (int l = 0; l < nlanes; l++)
        for (int i = 0; i < 8; i++) put_be32(out + 32 * l + 4 * i, st[i][l]);
}

/* The state after one raw block (no padding): HMAC's key pads. */
static void pad_state(const uint8_t block[64], uint32_t state[8]) {
    v32 st[8], w[16];
    for (int i = 0; i < 8; i++) st[i] = (v32){0} + IV[i];
    for (int t = 0; t < 16; t++) w[t] = (v32){0} + be32(block + 4 * t);
    compress(st, w);
    for (int i = 0; i < 8; i++) state[i] = st[i][0];
}

int ec_lanes(void) { return LANES; }

/* SHA-256 of the n messages ptrs[i][0:lens[i]], into out[32*i..]. */
CLONES void ec_sha256_many(const uint8_t *const *ptrs, const int64_t *lens, int64_t n, uint8_t *out) {
    uint64_t len[LANES];
    for (int64_t i = 0; i < n; i += LANES) {
        int k = (n - i) < LANES ? (int)(n - i) : LANES;
        for (int l = 0; l < k; l++) len[l] = (uint64_t)lens[i + l];
        hash_lanes(IV, 0, NULL, 0, ptrs + i, len, k, out + 32 * i);
    }
}

/* HMAC-SHA256(key, prefix || data[offsets[i]:offsets[i+1]]) for i < n, into out[32*i..] (RFC 2104). */
CLONES void ec_hmac_sha256_many(const uint8_t *key, int64_t key_len, const uint8_t *prefix, int64_t prefix_len,
                                const uint8_t *data,
                                const int64_t *offsets, int64_t n, uint8_t *out) {
    uint8_t block[64], ipad[64], opad[64], inner[LANES * 32];
    uint32_t istate[8], ostate[8];
    memset(block, 0, 64);
    if (key_len > 64) {
        const uint8_t *kp[1] = {key};
        ec_sha256_many(kp, &key_len, 1, block);
    } else {
        memcpy(block, key, (size_t)key_len);
    }
    for (int i = 0; i < 64; i++) {
        ipad[i] = block[i] ^ 0x36;
        opad[i] = block[i] ^ 0x5c;
    }
    pad_state(ipad, istate);
    pad_state(opad, ostate);
    const uint8_t *msg[LANES], *imsg[LANES];
    uint64_t len[LANES], ilen[LANES];
    for (int l = 0; l < LANES; l++) {
        imsg[l] = inner + 32 * l;
        ilen[l] = 32;
    }
    for (int64_t i = 0; i < n; i += LANES) {
        int k = (n - i) < LANES ? (int)(n - i) : LANES;
        for (int l = 0; l < k; l++) {
            msg[l] = data + offsets[i + l];
            len[l] = (uint64_t)(offsets[i + l + 1] - offsets[i + l]);
        }
        hash_lanes(istate, 64, prefix, (uint64_t)prefix_len, msg, len, k, inner);
        hash_lanes(ostate, 64, NULL, 0, imsg, ilen, k, out + 32 * i);
    }
}

/* Canonical bytes of an Arrow string/binary view array (see privacy/_content_hash.py): per row
 * u32le length and the bytes, or 0xFFFFFFFF for a null. `views` points at the array's first view
 * (offset applied); `validity` is NULL or the bitmap with `bit_offset` applied. Returns bytes written. */
int64_t ec_canon_views(const uint8_t *views, int64_t n, const uint8_t *const *buffers,
                       const uint8_t *validity, int64_t bit_offset, uint8_t *out) {
    uint8_t *p = out;
    for (int64_t i = 0; i < n; i++) {
        int64_t bit = bit_offset + i;
        if (validity && !((validity[bit >> 3] >> (bit & 7)) & 1)) {
            memset(p, 0xff, 4);
            p += 4;
            continue;
        }
        const uint8_t *v = views + 16 * i;
        uint32_t size;
        memcpy(&size, v, 4);
        p[0] = (uint8_t)size;
        p[1] = (uint8_t)(size >> 8);
        p[2] = (uint8_t)(size >> 16);
        p[3] = (uint8_t)(size >> 24);
        p += 4;
        if (size <= 12) {
            memcpy(p, v + 4, size);
        } else {
            int32_t index, offset;
            memcpy(&index, v + 8, 4);
            memcpy(&offset, v + 12, 4);
            memcpy(p, buffers[index] + offset, size);
        }
        p += size;
    }
    return (int64_t)(p - out);
}

/* The number of bytes ec_canon_views writes for the same arguments. */
int64_t ec_views_size(const uint8_t *views, int64_t n, const uint8_t *validity, int64_t bit_offset) {
    int64_t total = 4 * n;
    for (int64_t i = 0; i < n; i++) {
        int64_t bit = bit_offset + i;
        if (validity && !((validity[bit >> 3] >> (bit & 7)) & 1)) continue;
        uint32_t size;
        memcpy(&size, views + 16 * i, 4);
        total += size;
    }
    return total;
}
