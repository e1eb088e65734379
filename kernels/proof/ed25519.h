// Ed25519 signature verification with libsodium's verdicts (crypto_sign_verify_detached,
// 1.0.18): S must be below the group order L; R and A must not be one of the small-order
// encodings; A must be a canonical encoding of a curve point; and the equation is checked without
// the cofactor, by encoding [S]B - [h]A and comparing it with R byte for byte, so that every
// non-canonical R fails as it does there. h = SHA-512(R || A || M) comes from the host, reduced
// here mod L. Field elements are ten signed limbs of 26 and 25 bits (2^255 - 19 in radix 2^25.5);
// points are extended coordinates on the twisted Edwards curve, added with a complete formula
// (valid for every pair of points, equal ones and the identity included) and doubled with the
// doubling formula; both scalars go in fixed signed radix-16 digits, every lane adding a multiple
// (A's computed per signature, B's a constant table). A work item takes LANES64 signatures.
#ifndef STRATA_KERNELS_PROOF_ED25519_H
#define STRATA_KERNELS_PROOF_ED25519_H

typedef struct {
  i64x v[10];  // LANES64 field elements side by side
} Fe;

typedef struct {
  Fe x, y, z, t;
} Point;

DEVICE_FN u32 fe_limb_bits(u32 i) { return (i & 1u) ? 25u : 26u; }

// Brings limbs back to their widths (each non-negative and below 2^26 or 2^25, the second
// perhaps a little over): one pass up the limbs, 2^255 wrapping to 19, then the first limb's
// excess into the second.
INLINE_FN void fe_carry(Fe* h) {
  UNROLL for (u32 i = 0; i < 10u; ++i) {
    u32 bits = fe_limb_bits(i);
    i64x c = h->v[i] >> bits;  // floor: arithmetic shift of a signed value
    h->v[i] -= c * ((i64)1 << bits);
    if (i < 9u) {
      h->v[i + 1u] += c;
    } else {
      h->v[0] += c * 19;
    }
  }
  i64x c = h->v[0] >> 26;
  h->v[0] -= c * ((i64)1 << 26);
  h->v[1] += c;
}

DEVICE_FN void fe_set(Fe* h, i64 a0, i64 a1, i64 a2, i64 a3, i64 a4, i64 a5, i64 a6, i64 a7, i64 a8, i64 a9) {
  h->v[0] = SPLATI64(a0), h->v[1] = SPLATI64(a1), h->v[2] = SPLATI64(a2), h->v[3] = SPLATI64(a3);
  h->v[4] = SPLATI64(a4), h->v[5] = SPLATI64(a5), h->v[6] = SPLATI64(a6), h->v[7] = SPLATI64(a7);
  h->v[8] = SPLATI64(a8), h->v[9] = SPLATI64(a9);
}
DEVICE_FN void fe_small(Fe* h, i64 value) { fe_set(h, value, 0, 0, 0, 0, 0, 0, 0, 0, 0); }

INLINE_FN void fe_add(Fe* h, const Fe* f, const Fe* g) {
  UNROLL for (u32 i = 0; i < 10u; ++i) h->v[i] = f->v[i] + g->v[i];
  fe_carry(h);
}
INLINE_FN void fe_sub(Fe* h, const Fe* f, const Fe* g) {
  UNROLL for (u32 i = 0; i < 10u; ++i) h->v[i] = f->v[i] - g->v[i];
  fe_carry(h);
}
INLINE_FN void fe_neg(Fe* h, const Fe* f) {
  UNROLL for (u32 i = 0; i < 10u; ++i) h->v[i] = -f->v[i];
  fe_carry(h);
}
// f where `mask` is all ones, g where it is zero, lane by lane.
INLINE_FN void fe_select(Fe* h, const Fe* f, const Fe* g, i64x mask) {
  UNROLL for (u32 i = 0; i < 10u; ++i) h->v[i] = (f->v[i] & mask) | (g->v[i] & ~mask);
}

// Limb i of f times limb j of g has weight 2^(w_i + w_j): the limb i + j's, doubled when both are
// odd (their widths are 25), and past limb 9 it wraps with a factor 19. Limbs below 2^27 keep
// every sum below 2^63.
// Limbs fit in 32 bits: sign-extended from their low halves, the compilers see that and multiply
// 32 by 32 bits (vpmuldq, mul.wide.s32) where a full 64-bit product costs several instructions.
INLINE_FN i64x fe_narrow(i64x limb) { return NARROW64(limb); }

// Adds the product of limbs i and j (p) where it weighs: see fe_mul.
INLINE_FN void fe_accumulate(i64x* t, i64x p, u32 i, u32 j) {
  if (i & j & 1u) p = p * 2;
  u32 k = i + j;
  if (k >= 10u) {
    p = p * 19;
    k -= 10u;
  }
  t[k] += p;
}

INLINE_FN void fe_mul(Fe* h, const Fe* f, const Fe* g) {
  i64x t[10], fn[10], gn[10];
  UNROLL for (u32 k = 0; k < 10u; ++k) t[k] = SPLATI64(0), fn[k] = fe_narrow(f->v[k]), gn[k] = fe_narrow(g->v[k]);
  UNROLL for (u32 i = 0; i < 10u; ++i) {
    UNROLL for (u32 j = 0; j < 10u; ++j) fe_accumulate(t, fn[i] * gn[j], i, j);
  }
  UNROLL for (u32 k = 0; k < 10u; ++k) h->v[k] = t[k];
  fe_carry(h);
}

// f^2: each product of two limbs once, doubled (55 products where fe_mul takes 100).
INLINE_FN void fe_sq(Fe* h, const Fe* f) {
  i64x t[10], fn[10];
  UNROLL for (u32 k = 0; k < 10u; ++k) t[k] = SPLATI64(0), fn[k] = fe_narrow(f->v[k]);
  UNROLL for (u32 i = 0; i < 10u; ++i) {
    UNROLL for (u32 j = i; j < 10u; ++j) fe_accumulate(t, i == j ? fn[i] * fn[j] : fn[i] * fn[j] * 2, i, j);
  }
  UNROLL for (u32 k = 0; k < 10u; ++k) h->v[k] = t[k];
  fe_carry(h);
}

// z^e for an exponent given by its bits from the top: all ones from bit `top` down, except the
// bits set in `clear` (the low 8 bits only).
DEVICE_FN void fe_pow_ones(Fe* out, const Fe* z, u32 top, u32 clear) {
  Fe r = *z;  // bit `top` is set
  for (int i = (int)top - 1; i >= 0; --i) {
    fe_sq(&r, &r);
    if (!(i < 8 && ((clear >> i) & 1u))) fe_mul(&r, &r, z);
  }
  *out = r;
}
// 1/z = z^(p - 2), p - 2 = 2^255 - 21: bits 254..0 set but 4 and 2.
DEVICE_FN void fe_invert(Fe* out, const Fe* z) { fe_pow_ones(out, z, 254u, 0x14u); }
// z^((p - 5) / 8), (p - 5) / 8 = 2^252 - 3: bits 251..0 set but 1.
DEVICE_FN void fe_pow22523(Fe* out, const Fe* z) { fe_pow_ones(out, z, 251u, 0x02u); }

// The canonical limbs (the value below p): two more passes take the second limb's excess
// through, then 0 <= h < 2^255, and h >= p exactly when h + 19 carries out of bit 255, h - p
// being that sum without the carry.
DEVICE_FN void fe_canonical(Fe* h, const Fe* f) {
  *h = *f;
  fe_carry(h);
  for (u32 i = 0; i < 20u; ++i) {
    u32 limb = i % 10u;
    i64x c = h->v[limb] >> fe_limb_bits(limb);
    h->v[limb] -= c * ((i64)1 << fe_limb_bits(limb));
    if (limb < 9u) {
      h->v[limb + 1u] += c;
    } else {
      h->v[0] += c * 19;
    }
  }
  Fe u = *h;
  u.v[0] += 19;
  for (u32 i = 0; i < 9u; ++i) {
    i64x c = u.v[i] >> fe_limb_bits(i);
    u.v[i] -= c * ((i64)1 << fe_limb_bits(i));
    u.v[i + 1u] += c;
  }
  i64x over = LANE_MASKI64((u.v[9] >> 25) != SPLATI64(0));
  u.v[9] -= over & SPLATI64((i64)1 << 25);
  fe_select(h, &u, h, over);
}

// All ones in the lanes whose element is zero.
DEVICE_FN i64x fe_is_zero(const Fe* f) {
  Fe h;
  fe_canonical(&h, f);
  i64x any = h.v[0];
  for (u32 i = 1; i < 10u; ++i) any |= h.v[i];
  return LANE_MASKI64(any == SPLATI64(0));
}
// 1 in the lanes whose element is odd (negative, as Ed25519 encodes signs), else 0.
DEVICE_FN i64x fe_is_negative(const Fe* f) {
  Fe h;
  fe_canonical(&h, f);
  return h.v[0] & SPLATI64(1);
}

// One lane's 32 bytes (canonical limbs in, little-endian words out).
DEVICE_FN void fe_lane_bytes(u32* out8, const Fe* canonical, u32 lane) {
  for (u32 w = 0; w < 8u; ++w) out8[w] = 0;
  u32 at = 0;
  for (u32 i = 0; i < 10u; ++i) {
    u64 limb = (u64)LANE(canonical->v[i], lane);
    for (u32 b = 0; b < fe_limb_bits(i); ++b, ++at) out8[at >> 5] |= (u32)((limb >> b) & 1u) << (at & 31u);
  }
}

// Sets one lane to the field element of 255 little-endian bits (the top bit of 256 not read).
DEVICE_FN void fe_lane_from_bytes(Fe* h, const u32* in8, u32 lane) {
  u32 at = 0;
  for (u32 i = 0; i < 10u; ++i) {
    i64 limb = 0;
    for (u32 b = 0; b < fe_limb_bits(i); ++b, ++at) limb |= (i64)((in8[at >> 5] >> (at & 31u)) & 1u) << b;
    LANE(h->v[i], lane) = limb;
  }
}

DEVICE_FN void fe_d2(Fe* h) {  // 2d, d = -121665/121666
  fe_set(h, 45281625, 27714825, 36363642, 13898781, 229458, 15978800, 54557047, 27058993, 29715967, 9444199);
}
DEVICE_FN void fe_d(Fe* h) {
  fe_set(h, 56195235, 13857412, 51736253, 6949390, 114729, 24766616, 60832955, 30306712, 48412415, 21499315);
}
DEVICE_FN void fe_sqrtm1(Fe* h) {  // 2^((p - 1) / 4)
  fe_set(h, 34513072, 25610706, 9377949, 3500415, 12389472, 33281959, 41962654, 31548777, 326685, 11406482);
}

DEVICE_FN void point_identity(Point* r) {
  fe_small(&r->x, 0);
  fe_small(&r->y, 1);
  fe_small(&r->z, 1);
  fe_small(&r->t, 0);
}
// A point as an addition's second operand takes it (Hisil, Wong, Carter and Dawson's cached form):
// Y + X, Y - X, 2Z and 2dT. A base-point multiple is affine (Z = 1), its 2Z left out.
typedef struct {
  Fe ypx, ymx, z2, t2d;
} Cached;
typedef struct {
  Fe ypx, ymx, t2d;
} Niels;

DEVICE_FN void point_cache(Cached* c, const Point* p) {
  Fe d2;
  fe_add(&c->ypx, &p->y, &p->x);
  fe_sub(&c->ymx, &p->y, &p->x);
  fe_add(&c->z2, &p->z, &p->z);
  fe_d2(&d2);
  fe_mul(&c->t2d, &p->t, &d2);
}

// The rest of add-2008-hwcd-3 (complete for a = -1 and non-square d) from its four products
// A = (Y1 - X1)(Y2 - X2), B = (Y1 + X1)(Y2 + X2), C = T1 2d T2, D = Z1 2Z2. T is left out where
// the next step is a doubling, which does not read it.
INLINE_FN void point_add_finish(Point* r, const Fe* a, const Fe* b, const Fe* c, const Fe* d, int with_t) {
  Fe e, f, g, h;
  fe_sub(&e, b, a);
  fe_sub(&f, d, c);
  fe_add(&g, d, c);
  fe_add(&h, b, a);
  fe_mul(&r->x, &e, &f);
  fe_mul(&r->y, &g, &h);
  fe_mul(&r->z, &f, &g);
  if (with_t) fe_mul(&r->t, &e, &h);
}

// A, B and C of the addition, for q given by its Y + X, Y - X and 2dT.
INLINE_FN void point_add_products(Fe* a, Fe* b, Fe* c, const Point* p, const Fe* ypx, const Fe* ymx, const Fe* t2d) {
  Fe t;
  fe_sub(&t, &p->y, &p->x);
  fe_mul(a, &t, ymx);
  fe_add(&t, &p->y, &p->x);
  fe_mul(b, &t, ypx);
  fe_mul(c, &p->t, t2d);
}

// p + q, q cached: eight products (seven without T).
SHARED_FN void point_add_cached(Point* r, const Point* p, const Cached* q, int with_t) {
  Fe a, b, c, d;
  point_add_products(&a, &b, &c, p, &q->ypx, &q->ymx, &q->t2d);
  fe_mul(&d, &p->z, &q->z2);
  point_add_finish(r, &a, &b, &c, &d, with_t);
}

// p + q, q affine: seven products (six without T).
SHARED_FN void point_add_niels(Point* r, const Point* p, const Niels* q, int with_t) {
  Fe a, b, c, d;
  point_add_products(&a, &b, &c, p, &q->ypx, &q->ymx, &q->t2d);
  fe_add(&d, &p->z, &p->z);
  point_add_finish(r, &a, &b, &c, &d, with_t);
}

// 2p (dbl-2008-hwcd for a = -1): four squarings and four products (three without T, which the
// doubling does not read).
SHARED_FN void point_double(Point* r, const Point* p, int with_t) {
  Fe a, b, c, e, f, g, h, t;
  fe_sq(&a, &p->x);
  fe_sq(&b, &p->y);
  fe_sq(&c, &p->z);
  fe_add(&c, &c, &c);
  fe_add(&t, &p->x, &p->y);
  fe_sq(&e, &t);
  fe_sub(&e, &e, &a);
  fe_sub(&e, &e, &b);  // 2xy
  fe_sub(&g, &b, &a);  // -a + b (a = -1 for the curve's a)
  fe_sub(&f, &g, &c);
  fe_neg(&h, &a);
  fe_sub(&h, &h, &b);  // -a - b
  fe_mul(&r->x, &e, &f);
  fe_mul(&r->y, &g, &h);
  fe_mul(&r->z, &f, &g);
  if (with_t) fe_mul(&r->t, &e, &h);
}

// The points of the 32-byte encodings whose y is set in r->y and whose sign bits (0 or 1) are
// `sign`, negated (-A, as the equation needs it); all ones in the lanes that have a point.
DEVICE_FN i64x point_decode_negated(Point* r, i64x sign) {
  Fe u, v, v3, vxx, check, t, one, d, rotated;
  fe_small(&one, 1);
  fe_small(&r->z, 1);
  fe_sq(&u, &r->y);
  fe_d(&d);
  fe_mul(&v, &u, &d);
  fe_sub(&u, &u, &one);  // u = y^2 - 1
  fe_add(&v, &v, &one);  // v = d y^2 + 1
  fe_sq(&v3, &v);
  fe_mul(&v3, &v3, &v);  // v^3
  fe_sq(&t, &v3);
  fe_mul(&t, &t, &v);
  fe_mul(&t, &t, &u);  // u v^7
  fe_pow22523(&t, &t);
  fe_mul(&t, &t, &v3);
  fe_mul(&r->x, &t, &u);  // x = u v^3 (u v^7)^((p-5)/8)
  fe_sq(&vxx, &r->x);
  fe_mul(&vxx, &vxx, &v);
  fe_sub(&check, &vxx, &u);
  i64x root = fe_is_zero(&check);
  fe_add(&check, &vxx, &u);
  i64x other_root = fe_is_zero(&check) & ~root;  // x times sqrt(-1) is the root
  fe_sqrtm1(&t);
  fe_mul(&rotated, &r->x, &t);
  fe_select(&r->x, &rotated, &r->x, other_root);
  Fe negated;
  fe_neg(&negated, &r->x);
  fe_select(&r->x, &negated, &r->x, LANE_MASKI64(fe_is_negative(&r->x) == sign));  // -A's sign
  fe_mul(&r->t, &r->x, &r->y);
  return root | other_root;
}

// The group order L = 2^252 + 27742317777372353535851937790883648493, as eight 32-bit limbs.
CONSTANT u32 kEd25519Order[8] = {0x5cf5d3edu, 0x5812631au, 0xa2f79cd6u, 0x14def9deu, 0, 0, 0, 0x10000000u};

// s < L, s as eight little-endian 32-bit words.
DEVICE_FN int scalar_is_canonical(const u32* s8) {
  for (int i = 7; i >= 0; --i) {
    if (s8[i] != kEd25519Order[i]) return s8[i] < kEd25519Order[i];
  }
  return 0;  // s == L
}

// The 64-byte h (sixteen little-endian words) mod L, into eight words: one byte at a time from the
// top, r = 256 r + byte, less q L for q = floor(r / 2^252) (at most one L too many, put back).
DEVICE_FN void scalar_reduce(u32* out8, const u32* h16) {
  u32 r[9];
  for (u32 i = 0; i < 9u; ++i) r[i] = 0;
  for (int byte = 63; byte >= 0; --byte) {
    u32 next = (h16[byte >> 2] >> ((byte & 3) * 8)) & 0xffu;
    for (int i = 8; i > 0; --i) r[i] = (r[i] << 8) | (r[i - 1] >> 24);
    r[0] = (r[0] << 8) | next;
    u32 q = (r[7] >> 28) | (r[8] << 4);
    i64 borrow = 0;
    for (u32 i = 0; i < 9u; ++i) {
      i64 limb = i < 8u ? (i64)kEd25519Order[i] : 0;
      i64 v = (i64)r[i] - (i64)q * limb + borrow;
      r[i] = (u32)(v & 0xffffffff);
      borrow = (v - (i64)r[i]) / ((i64)1 << 32);  // exact: v - low is a multiple of 2^32
    }
    if (borrow < 0) {  // one L too many
      u64 carry = 0;
      for (u32 i = 0; i < 9u; ++i) {
        u64 v = (u64)r[i] + (i < 8u ? kEd25519Order[i] : 0u) + carry;
        r[i] = (u32)v;
        carry = v >> 32;
      }
    }
  }
  for (u32 i = 0; i < 8u; ++i) out8[i] = r[i];
}

// Whether a 32-byte encoding is one of the small-order points' (libsodium's list: 0, 1, the two
// of order 8, p - 1, and the non-canonical p and p + 1), the top bit not counted.
CONSTANT u32 kSmallOrder[7][8] = {
    {0, 0, 0, 0, 0, 0, 0, 0},
    {1, 0, 0, 0, 0, 0, 0, 0},
    {0x8f95e826u, 0xb027b2c2u, 0x89f4c345u, 0xf098eff2u, 0x05acdfd5u, 0x3933c6d3u, 0x880238b1u, 0x05fc536du},
    {0x706a17c7u, 0x4fd84d3du, 0x760b3cbau, 0x0f67100du, 0xfa53202au, 0xc6cc392cu, 0x77fdc74eu, 0x7a03ac92u},
    {0xffffffecu, 0xffffffffu, 0xffffffffu, 0xffffffffu, 0xffffffffu, 0xffffffffu, 0xffffffffu, 0x7fffffffu},
    {0xffffffedu, 0xffffffffu, 0xffffffffu, 0xffffffffu, 0xffffffffu, 0xffffffffu, 0xffffffffu, 0x7fffffffu},
    {0xffffffeeu, 0xffffffffu, 0xffffffffu, 0xffffffffu, 0xffffffffu, 0xffffffffu, 0xffffffffu, 0x7fffffffu}};
DEVICE_FN int has_small_order(const u32* s8) {
  for (u32 j = 0; j < 7u; ++j) {
    u32 diff = (s8[7] & 0x7fffffffu) ^ kSmallOrder[j][7];
    for (u32 i = 0; i < 7u; ++i) diff |= s8[i] ^ kSmallOrder[j][i];
    if (diff == 0) return 1;
  }
  return 0;
}

// y < p, the sign bit not counted.
DEVICE_FN int point_is_canonical(const u32* s8) {
  if ((s8[7] & 0x7fffffffu) != 0x7fffffffu) return 1;
  for (u32 i = 1; i < 7u; ++i) {
    if (s8[i] != 0xffffffffu) return 1;
  }
  return s8[0] < 0xffffffedu;
}

// A scalar below 2^255 as 64 signed digits from -8 to 8, radix 16 (digit i weighs 16^i).
DEVICE_FN void scalar_radix16(i32* digits, const u32* s8) {
  for (u32 i = 0; i < 64u; ++i) digits[i] = (i32)((s8[i >> 3] >> ((i & 7u) * 4u)) & 15u);
  i32 carry = 0;
  for (u32 i = 0; i < 63u; ++i) {
    digits[i] += carry;
    carry = (digits[i] + 8) >> 4;
    digits[i] -= carry * 16;
  }
  digits[63] += carry;
}

// B, 2B, ..., 8B in Niels form (y + x, y - x, 2dxy, in canonical limbs).
CONSTANT i64 kBaseNiels[8][3][10] = {
    {{25967493, 19198397, 29566455, 3660896, 54414519, 4014786, 27544626, 21800161, 61029707, 2047604}, {54563134, 934261, 64385954, 3049989, 66381436, 9406985, 12720692, 5043384, 19500929, 18085054}, {58370664, 4489569, 9688441, 18769238, 10184608, 21191052, 29287918, 11864899, 42594502, 29115885}},  // 1B
    {{54292951, 20578084, 45527620, 11784319, 41753206, 30803714, 55390960, 29739860, 66750418, 23343128}, {45405608, 6903824, 27185491, 6451973, 37531140, 24000426, 51492312, 11189267, 40279186, 28235350}, {26966623, 11152617, 32442495, 15396054, 14353839, 20802097, 63980037, 24013313, 51636816, 29387734}},  // 2B
    {{15636272, 23865875, 24204772, 25642034, 616976, 16869170, 27787599, 18782243, 28944399, 32004408}, {16568933, 4717097, 55552716, 32452109, 15682895, 21747389, 16354576, 21778470, 7689661, 11199574}, {30464137, 27578307, 55329429, 17883566, 23220364, 15915852, 7512774, 10017326, 49359771, 23634074}},  // 3B
    {{50071967, 13921891, 10945806, 27521001, 27105051, 17470053, 38182653, 15006022, 3284568, 27277892}, {23599295, 25248385, 55915199, 25867015, 13236773, 10506355, 7464579, 9656445, 13059162, 10374397}, {7798537, 16710257, 3033922, 2874086, 28997861, 2835604, 32406664, 29715387, 66467155, 33453106}},  // 4B
    {{10861363, 11473154, 27284546, 1981175, 37044515, 12577860, 32867885, 14515107, 51670560, 10819379}, {4708026, 6336745, 20377586, 9066809, 55836755, 6594695, 41455196, 12483687, 54440373, 5581305}, {19563141, 16186464, 37722007, 4097518, 10237984, 29206317, 28542349, 13850243, 43430843, 17738489}},  // 5B
    {{51736881, 20691677, 32573249, 4720197, 40672342, 5875510, 47920237, 18329612, 57289923, 21468654}, {58559652, 109982, 15149363, 2178705, 22900618, 4543417, 3044240, 17864545, 1762327, 14866737}, {48909169, 17603008, 56635573, 1707277, 49922944, 3916100, 38872452, 3959420, 27914454, 4383652}},  // 6B
    {{5153727, 9909285, 1723747, 30776558, 30523604, 5516873, 19480852, 5230134, 43156425, 18378665}, {36839857, 30090922, 7665485, 10083793, 28475525, 1649722, 20654025, 16520125, 30598449, 7715701}, {28881826, 14381568, 9657904, 3680757, 46927229, 7843315, 35708204, 1370707, 29794553, 32145132}},  // 7B
    {{14499471, 30824833, 33917750, 29299779, 28494861, 14271267, 30290735, 10876454, 33954766, 2381725}, {59913433, 30899068, 52378708, 462250, 39384538, 3941371, 60872247, 3696004, 34808032, 15351954}, {27431194, 8222322, 16448760, 29646437, 48401861, 11938354, 34147463, 30583916, 29551812, 10109425}},  // 8B
};

// p, 2p, ..., 8p, cached.
DEVICE_FN void point_multiples(Cached* table, const Point* p) {
  Point multiple;
  point_cache(&table[0], p);
  point_double(&multiple, p, 1);
  point_cache(&table[1], &multiple);
  for (u32 i = 2; i < 8u; ++i) {
    point_add_cached(&multiple, &multiple, &table[0], 1);
    point_cache(&table[i], &multiple);
  }
}

// The magnitude of each lane's digit (-8 to 8) and a mask of the lanes where it is negative.
DEVICE_FN i64x digit_magnitude(i64x digit, i64x* negative) {
  *negative = LANE_MASKI64(digit < SPLATI64(0));
  return (digit & ~*negative) | ((-digit) & *negative);
}

// -q for q cached or Niels: Y + X and Y - X trade places, 2dT changes sign; where `mask` is set.
DEVICE_FN void negate_where(Fe* ypx, Fe* ymx, Fe* t2d, i64x mask) {
  Fe swapped, negated;
  swapped = *ypx;
  fe_select(ypx, ymx, ypx, mask);
  fe_select(ymx, &swapped, ymx, mask);
  fe_neg(&negated, t2d);
  fe_select(t2d, &negated, t2d, mask);
}

// acc + [digit] p, each lane its own digit (-8 to 8) of the table's multiples of p: the multiple
// chosen lane by lane (zero takes the identity), so every lane adds, as the formula allows.
DEVICE_FN void point_add_digits(Point* acc, const Cached* table, i64x digit, int with_t) {
  i64x negative;
  i64x magnitude = digit_magnitude(digit, &negative);
  Cached addend;  // the identity: Y + X = Y - X = 1, 2Z = 2, 2dT = 0
  fe_small(&addend.ypx, 1);
  fe_small(&addend.ymx, 1);
  fe_small(&addend.z2, 2);
  fe_small(&addend.t2d, 0);
  for (u32 e = 0; e < 8u; ++e) {
    i64x chosen = LANE_MASKI64(magnitude == SPLATI64(e + 1));
    fe_select(&addend.ypx, &table[e].ypx, &addend.ypx, chosen);
    fe_select(&addend.ymx, &table[e].ymx, &addend.ymx, chosen);
    fe_select(&addend.z2, &table[e].z2, &addend.z2, chosen);
    fe_select(&addend.t2d, &table[e].t2d, &addend.t2d, chosen);
  }
  negate_where(&addend.ypx, &addend.ymx, &addend.t2d, negative);
  point_add_cached(acc, acc, &addend, with_t);
}

// The base point's multiple k (0 to 7: (k + 1)B) into the lanes of `mask`.
DEVICE_FN void fe_select_base(Fe* h, u32 k, u32 which, i64x mask) {
  UNROLL for (u32 i = 0; i < 10u; ++i) h->v[i] = (SPLATI64(kBaseNiels[k][which][i]) & mask) | (h->v[i] & ~mask);
}

// acc + [digit] B, from the constant table.
DEVICE_FN void point_add_base_digits(Point* acc, i64x digit, int with_t) {
  i64x negative;
  i64x magnitude = digit_magnitude(digit, &negative);
  Niels addend;  // the identity (Z = 1)
  fe_small(&addend.ypx, 1);
  fe_small(&addend.ymx, 1);
  fe_small(&addend.t2d, 0);
  for (u32 e = 0; e < 8u; ++e) {
    i64x chosen = LANE_MASKI64(magnitude == SPLATI64(e + 1));
    fe_select_base(&addend.ypx, e, 0, chosen);
    fe_select_base(&addend.ymx, e, 1, chosen);
    fe_select_base(&addend.t2d, e, 2, chosen);
  }
  negate_where(&addend.ypx, &addend.ymx, &addend.t2d, negative);
  point_add_niels(acc, acc, &addend, with_t);
}

// LANES64 signatures at once: key8, sig16 and hram16 hold each lane's words one after another
// (key8 + 8 * lane); verdicts[lane] is 1 where libsodium would accept it.
DEVICE_FN void ed25519_verify_lanes(const u32* keys, const u32* sigs, const u32* hrams, u32* verdicts) {
  // The checks on encodings, and the scalars' digits, lane by lane.
  u32 pre[LANES64];
  i64x h_digits[64], s_digits[64], sign = SPLATI64(0);
  Point minus_a;
  for (u32 lane = 0; lane < LANES64; ++lane) {
    const u32* key8 = keys + 8u * lane;
    const u32* r8 = sigs + 16u * lane;
    const u32* s8 = r8 + 8;
    pre[lane] = scalar_is_canonical(s8) && !has_small_order(r8) && point_is_canonical(key8) && !has_small_order(key8);
    fe_lane_from_bytes(&minus_a.y, key8, lane);
    LANE(sign, lane) = (i64)(key8[7] >> 31);
    u32 h8[8];
    scalar_reduce(h8, hrams + 16u * lane);
    i32 hd[64], sd[64];
    scalar_radix16(hd, h8);
    scalar_radix16(sd, s8);
    for (u32 i = 0; i < 64u; ++i) LANE(h_digits[i], lane) = hd[i], LANE(s_digits[i], lane) = sd[i];
  }
  i64x decoded = point_decode_negated(&minus_a, sign);
  // [S]B + [h](-A): four doublings per digit, then each scalar's digit; T only where an addition
  // reads it.
  Cached a_table[8];
  Point acc;
  point_multiples(a_table, &minus_a);
  point_identity(&acc);
  for (int i = 63; i >= 0; --i) {
    if (i != 63) {
      point_double(&acc, &acc, 0);
      point_double(&acc, &acc, 0);
      point_double(&acc, &acc, 0);
      point_double(&acc, &acc, 1);
    }
    point_add_digits(&acc, a_table, h_digits[i], 1);
    point_add_base_digits(&acc, s_digits[i], 0);
  }
  // Encoded and compared with R, lane by lane.
  Fe recip, x, y;
  fe_invert(&recip, &acc.z);
  fe_mul(&x, &acc.x, &recip);
  fe_mul(&y, &acc.y, &recip);
  fe_canonical(&x, &x);
  fe_canonical(&y, &y);
  for (u32 lane = 0; lane < LANES64; ++lane) {
    u32 check[8];
    fe_lane_bytes(check, &y, lane);
    check[7] ^= (u32)(LANE(x.v[0], lane) & 1) << 31;
    u32 diff = 0;
    for (u32 i = 0; i < 8u; ++i) diff |= check[i] ^ sigs[16u * lane + i];
    verdicts[lane] = pre[lane] && LANE(decoded, lane) != 0 && diff == 0;
  }
}

// Item i: its key at keys[8i..], its signature (R, then S) at sigs[16i..], SHA-512(R || A || M)
// at hrams[16i..]; verdicts[i] is 1 where libsodium would accept it, else 0. A work item takes
// LANES64 consecutive items (the last ones past `count` are computed and not written).
KERNEL void proof_ed25519_verify(GLOBAL const u32* keys, GLOBAL const u32* sigs, GLOBAL const u32* hrams,
                                 GLOBAL u32* verdicts, u32 count) {
  u32 first = GLOBAL_ID_X() * LANES64;
  if (first >= count) return;
  u32 key[8 * LANES64], sig[16 * LANES64], hram[16 * LANES64], verdict[LANES64];
  for (u32 lane = 0; lane < LANES64; ++lane) {
    u32 item = first + lane < count ? first + lane : first;  // past the end: a copy of the first
    for (u32 j = 0; j < 8u; ++j) key[8u * lane + j] = keys[8u * item + j];
    for (u32 j = 0; j < 16u; ++j) sig[16u * lane + j] = sigs[16u * item + j], hram[16u * lane + j] = hrams[16u * item + j];
  }
  ed25519_verify_lanes(key, sig, hram, verdict);
  for (u32 lane = 0; lane < LANES64 && first + lane < count; ++lane) verdicts[first + lane] = verdict[lane];
}

#endif
