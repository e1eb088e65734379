// Ed25519 signature verification with libsodium's verdicts (crypto_sign_verify_detached,
// 1.0.18): S must be below the group order L; R and A must not be one of the small-order
// encodings; A must be a canonical encoding of a curve point; and the equation is checked without
// the cofactor, by encoding [S]B - [h]A and comparing it with R byte for byte, so that every
// non-canonical R fails as it does there. h = SHA-512(R || A || M) comes from the host, reduced
// here mod L. Field elements are ten signed limbs of 26 and 25 bits (2^255 - 19 in radix 2^25.5);
// points are extended coordinates on the twisted Edwards curve, added with a complete formula
// (valid for every pair of points, equal ones and the identity included) and doubled with the
// doubling formula; the two scalars go in signed sliding windows over odd multiples. One work
// item per signature.
#ifndef STRATA_KERNELS_PROOF_ED25519_H
#define STRATA_KERNELS_PROOF_ED25519_H

typedef struct {
  i64 v[10];
} Fe;

typedef struct {
  Fe x, y, z, t;
} Point;

DEVICE_FN u32 fe_limb_bits(u32 i) { return (i & 1u) ? 25u : 26u; }

// Brings limbs back to their widths (each non-negative and below 2^26 or 2^25, the second
// perhaps a little over): one pass up the limbs, 2^255 wrapping to 19, then the first limb's
// excess into the second.
DEVICE_FN void fe_carry(Fe* h) {
  UNROLL for (u32 i = 0; i < 10u; ++i) {
    u32 bits = fe_limb_bits(i);
    i64 c = h->v[i] >> bits;  // floor: arithmetic shift of a signed value
    h->v[i] -= c * ((i64)1 << bits);
    if (i < 9u) {
      h->v[i + 1u] += c;
    } else {
      h->v[0] += 19 * c;
    }
  }
  i64 c = h->v[0] >> 26;
  h->v[0] -= c * ((i64)1 << 26);
  h->v[1] += c;
}

DEVICE_FN void fe_set(Fe* h, i64 a0, i64 a1, i64 a2, i64 a3, i64 a4, i64 a5, i64 a6, i64 a7, i64 a8, i64 a9) {
  h->v[0] = a0, h->v[1] = a1, h->v[2] = a2, h->v[3] = a3, h->v[4] = a4;
  h->v[5] = a5, h->v[6] = a6, h->v[7] = a7, h->v[8] = a8, h->v[9] = a9;
}
DEVICE_FN void fe_small(Fe* h, i64 value) { fe_set(h, value, 0, 0, 0, 0, 0, 0, 0, 0, 0); }

DEVICE_FN void fe_add(Fe* h, const Fe* f, const Fe* g) {
  UNROLL for (u32 i = 0; i < 10u; ++i) h->v[i] = f->v[i] + g->v[i];
  fe_carry(h);
}
DEVICE_FN void fe_sub(Fe* h, const Fe* f, const Fe* g) {
  UNROLL for (u32 i = 0; i < 10u; ++i) h->v[i] = f->v[i] - g->v[i];
  fe_carry(h);
}

// Limb i of f times limb j of g has weight 2^(w_i + w_j): the limb i + j's, doubled when both are
// odd (their widths are 25), and past limb 9 it wraps with a factor 19. Limbs below 2^27 keep
// every sum below 2^63.
DEVICE_FN void fe_mul(Fe* h, const Fe* f, const Fe* g) {
  i64 t[10];
  UNROLL for (u32 k = 0; k < 10u; ++k) t[k] = 0;
  UNROLL for (u32 i = 0; i < 10u; ++i) {
    UNROLL for (u32 j = 0; j < 10u; ++j) {
      i64 p = f->v[i] * g->v[j];
      if (i & j & 1u) p *= 2;
      u32 k = i + j;
      if (k >= 10u) {
        p *= 19;
        k -= 10u;
      }
      t[k] += p;
    }
  }
  UNROLL for (u32 k = 0; k < 10u; ++k) h->v[k] = t[k];
  fe_carry(h);
}

// f^2: each product of two limbs once, doubled (55 products where fe_mul takes 100).
DEVICE_FN void fe_sq(Fe* h, const Fe* f) {
  i64 t[10];
  UNROLL for (u32 k = 0; k < 10u; ++k) t[k] = 0;
  UNROLL for (u32 i = 0; i < 10u; ++i) {
    UNROLL for (u32 j = i; j < 10u; ++j) {
      i64 p = f->v[i] * f->v[j];
      if (i != j) p *= 2;
      if (i & j & 1u) p *= 2;
      u32 k = i + j;
      if (k >= 10u) {
        p *= 19;
        k -= 10u;
      }
      t[k] += p;
    }
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

// The canonical 32 bytes (little-endian, below p).
DEVICE_FN void fe_tobytes(u32* out8, const Fe* f) {
  Fe h = *f;
  fe_carry(&h);
  // Two more passes take the second limb's excess through: then 0 <= h < 2^255, and h >= p
  // exactly when h + 19 carries out of bit 255, h - p being that sum without the carry.
  for (u32 i = 0; i < 20u; ++i) {
    u32 limb = i % 10u;
    i64 c = h.v[limb] >> fe_limb_bits(limb);
    h.v[limb] -= c * ((i64)1 << fe_limb_bits(limb));
    if (limb < 9u) {
      h.v[limb + 1u] += c;
    } else {
      h.v[0] += 19 * c;
    }
  }
  Fe u = h;
  u.v[0] += 19;
  for (u32 i = 0; i < 9u; ++i) {
    i64 c = u.v[i] >> fe_limb_bits(i);
    u.v[i] -= c * ((i64)1 << fe_limb_bits(i));
    u.v[i + 1u] += c;
  }
  if (u.v[9] >> 25) {
    u.v[9] -= (i64)1 << 25;
    h = u;
  }
  for (u32 w = 0; w < 8u; ++w) out8[w] = 0;
  u32 at = 0;
  for (u32 i = 0; i < 10u; ++i) {
    u64 limb = (u64)h.v[i];
    for (u32 b = 0; b < fe_limb_bits(i); ++b, ++at) out8[at >> 5] |= (u32)((limb >> b) & 1u) << (at & 31u);
  }
}

// The field element of 255 little-endian bits (the top bit of the 256 is not read).
DEVICE_FN void fe_frombytes(Fe* h, const u32* in8) {
  u32 at = 0;
  for (u32 i = 0; i < 10u; ++i) {
    i64 limb = 0;
    for (u32 b = 0; b < fe_limb_bits(i); ++b, ++at) limb |= (i64)((in8[at >> 5] >> (at & 31u)) & 1u) << b;
    h->v[i] = limb;
  }
}

DEVICE_FN int fe_is_zero(const Fe* f) {
  u32 s[8];
  fe_tobytes(s, f);
  u32 any = 0;
  for (u32 i = 0; i < 8u; ++i) any |= s[i];
  return any == 0;
}
DEVICE_FN int fe_is_negative(const Fe* f) {
  u32 s[8];
  fe_tobytes(s, f);
  return (int)(s[0] & 1u);
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
DEVICE_FN void point_base(Point* r) {  // B: y = 4/5, x even
  fe_set(&r->x, 52811034, 25909283, 16144682, 17082669, 27570973, 30858332, 40966398, 8378388, 20764389, 8758491);
  fe_set(&r->y, 40265304, 26843545, 13421772, 20132659, 26843545, 6710886, 53687091, 13421772, 40265318, 26843545);
  fe_small(&r->z, 1);
  fe_set(&r->t, 28827043, 27438313, 39759291, 244362, 8635006, 11264893, 19351346, 13413597, 16611511, 27139452);
}

// p + q (Hisil, Wong, Carter and Dawson's add-2008-hwcd-3, complete for a = -1 and non-square d).
DEVICE_FN void point_add(Point* r, const Point* p, const Point* q) {
  Fe a, b, c, d, e, f, g, h, t;
  fe_sub(&a, &p->y, &p->x);
  fe_sub(&t, &q->y, &q->x);
  fe_mul(&a, &a, &t);
  fe_add(&b, &p->y, &p->x);
  fe_add(&t, &q->y, &q->x);
  fe_mul(&b, &b, &t);
  fe_d2(&t);
  fe_mul(&c, &p->t, &t);
  fe_mul(&c, &c, &q->t);
  fe_add(&d, &p->z, &p->z);
  fe_mul(&d, &d, &q->z);
  fe_sub(&e, &b, &a);
  fe_sub(&f, &d, &c);
  fe_add(&g, &d, &c);
  fe_add(&h, &b, &a);
  fe_mul(&r->x, &e, &f);
  fe_mul(&r->y, &g, &h);
  fe_mul(&r->t, &e, &h);
  fe_mul(&r->z, &f, &g);
}

// 2p (dbl-2008-hwcd for a = -1): four squarings and four products.
DEVICE_FN void point_double(Point* r, const Point* p) {
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
  fe_small(&t, 0);
  fe_sub(&h, &t, &a);
  fe_sub(&h, &h, &b);  // -a - b
  fe_mul(&r->x, &e, &f);
  fe_mul(&r->y, &g, &h);
  fe_mul(&r->t, &e, &h);
  fe_mul(&r->z, &f, &g);
}

DEVICE_FN void point_negate(Point* r, const Point* p) {
  Fe zero;
  fe_small(&zero, 0);
  r->y = p->y;
  r->z = p->z;
  fe_sub(&r->x, &zero, &p->x);
  fe_sub(&r->t, &zero, &p->t);
}

// The point of a 32-byte encoding, negated (-A, as the equation needs it); 0 where there is none.
DEVICE_FN int point_decode_negated(Point* r, const u32* s8) {
  Fe u, v, v3, vxx, check, t, one, d;
  fe_frombytes(&r->y, s8);
  fe_small(&one, 1);
  fe_small(&r->z, 1);
  fe_mul(&u, &r->y, &r->y);
  fe_d(&d);
  fe_mul(&v, &u, &d);
  fe_sub(&u, &u, &one);  // u = y^2 - 1
  fe_add(&v, &v, &one);  // v = d y^2 + 1
  fe_mul(&v3, &v, &v);
  fe_mul(&v3, &v3, &v);  // v^3
  fe_mul(&t, &v3, &v3);
  fe_mul(&t, &t, &v);
  fe_mul(&t, &t, &u);  // u v^7
  fe_pow22523(&t, &t);
  fe_mul(&t, &t, &v3);
  fe_mul(&r->x, &t, &u);  // x = u v^3 (u v^7)^((p-5)/8)
  fe_mul(&vxx, &r->x, &r->x);
  fe_mul(&vxx, &vxx, &v);
  fe_sub(&check, &vxx, &u);
  if (!fe_is_zero(&check)) {
    fe_add(&check, &vxx, &u);
    if (!fe_is_zero(&check)) return 0;  // not a square: no such point
    fe_sqrtm1(&t);
    fe_mul(&r->x, &r->x, &t);
  }
  if (fe_is_negative(&r->x) == (int)(s8[7] >> 31)) {  // the negated point's sign
    Fe zero;
    fe_small(&zero, 0);
    fe_sub(&r->x, &zero, &r->x);
  }
  fe_mul(&r->t, &r->x, &r->y);
  return 1;
}

DEVICE_FN void point_encode(u32* out8, const Point* p) {
  Fe recip, x, y;
  fe_invert(&recip, &p->z);
  fe_mul(&x, &p->x, &recip);
  fe_mul(&y, &p->y, &recip);
  fe_tobytes(out8, &y);
  out8[7] ^= (u32)fe_is_negative(&x) << 31;
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

// A scalar's signed digits, at most one nonzero (odd, -15 to 15) in five consecutive positions:
// bits first, then each digit absorbs the next ones while it stays within the window.
DEVICE_FN void scalar_slide(i32* digits, const u32* s8) {
  for (u32 i = 0; i < 256u; ++i) digits[i] = (i32)((s8[i >> 5] >> (i & 31u)) & 1u);
  for (u32 i = 0; i < 256u; ++i) {
    if (!digits[i]) continue;
    for (u32 b = 1; b <= 4u && i + b < 256u; ++b) {
      if (!digits[i + b]) continue;
      i32 shifted = digits[i + b] << b;
      if (digits[i] + shifted <= 15) {
        digits[i] += shifted;
        digits[i + b] = 0;
      } else if (digits[i] - shifted >= -15) {
        digits[i] -= shifted;
        for (u32 k = i + b; k < 256u; ++k) {  // carry the borrowed one upwards
          if (!digits[k]) {
            digits[k] = 1;
            break;
          }
          digits[k] = 0;
        }
      } else {
        break;
      }
    }
  }
}

// p, 3p, 5p, ..., 15p.
DEVICE_FN void point_odd_multiples(Point* table, const Point* p) {
  Point twice;
  point_double(&twice, p);
  table[0] = *p;
  for (u32 i = 1; i < 8u; ++i) point_add(&table[i], &table[i - 1u], &twice);
}

// acc + digit * table's point (digit odd, or 0 for nothing).
DEVICE_FN void point_add_digit(Point* acc, const Point* table, i32 digit) {
  if (digit > 0) {
    point_add(acc, acc, &table[digit / 2]);
  } else if (digit < 0) {
    Point negated;
    point_negate(&negated, &table[(-digit) / 2]);
    point_add(acc, acc, &negated);
  }
}

DEVICE_FN int ed25519_verify(const u32* key8, const u32* sig16, const u32* hram16) {
  const u32* r8 = sig16;
  const u32* s8 = sig16 + 8;
  if (!scalar_is_canonical(s8) || has_small_order(r8)) return 0;
  if (!point_is_canonical(key8) || has_small_order(key8)) return 0;
  Point minus_a, base, acc;
  if (!point_decode_negated(&minus_a, key8)) return 0;
  u32 h8[8];
  scalar_reduce(h8, hram16);
  // [S]B + [h](-A) in one pass of doublings, each scalar in signed sliding windows.
  Point a_table[8], b_table[8];
  point_base(&base);
  point_odd_multiples(a_table, &minus_a);
  point_odd_multiples(b_table, &base);
  i32 h_digits[256], s_digits[256];
  scalar_slide(h_digits, h8);
  scalar_slide(s_digits, s8);
  int top = 255;
  while (top >= 0 && !h_digits[top] && !s_digits[top]) --top;
  point_identity(&acc);
  for (int bit = top; bit >= 0; --bit) {
    point_double(&acc, &acc);
    point_add_digit(&acc, a_table, h_digits[bit]);
    point_add_digit(&acc, b_table, s_digits[bit]);
  }
  u32 check[8];
  point_encode(check, &acc);
  u32 diff = 0;
  for (u32 i = 0; i < 8u; ++i) diff |= check[i] ^ r8[i];
  return diff == 0;
}

// Item i: its key at keys[8i..], its signature (R, then S) at sigs[16i..], SHA-512(R || A || M)
// at hrams[16i..]; verdicts[i] is 1 where libsodium would accept it, else 0.
KERNEL void proof_ed25519_verify(GLOBAL const u32* keys, GLOBAL const u32* sigs, GLOBAL const u32* hrams,
                                 GLOBAL u32* verdicts, u32 count) {
  u32 i = GLOBAL_ID_X();
  if (i >= count) return;
  u32 key[8], sig[16], hram[16];
  for (u32 j = 0; j < 8u; ++j) key[j] = keys[8u * i + j];
  for (u32 j = 0; j < 16u; ++j) sig[j] = sigs[16u * i + j], hram[j] = hrams[16u * i + j];
  verdicts[i] = (u32)ed25519_verify(key, sig, hram);
}

#endif
