/*
 * DL/T 698.45 APDU layer internals shared by the apdu_*.c files: date-time
 * fields, counts, the optional tail, list items, and one decoder per APDU
 * group called by the dispatcher in apdu_decode.c.
 */
#ifndef MH_PROTO_DLT698_APDU_INT_H
#define MH_PROTO_DLT698_APDU_INT_H

#include "meterhub/proto/dlt698_apdu.h"

/* date_time (10 bytes, weekday 0 = Sunday) and date_time_s (7); absent fields are FF. */
void dlt698_put_datetime(struct mh_wr *w, const struct mh_tm *t);
void dlt698_get_datetime(struct mh_rd *r, struct mh_tm *t);
void dlt698_put_datetime_s(struct mh_wr *w, const struct mh_tm *t);
void dlt698_get_datetime_s(struct mh_rd *r, struct mh_tm *t);

/* SEQUENCE OF count: A-XDR length, never more than the bytes left (each item takes one). */
uint32_t dlt698_get_count(struct mh_rd *r);
/* A count the encoder can write (A-XDR lengths up to 0xFFFF here). */
int dlt698_count_ok(size_t n);

/* Octet-string / visible-string: length + content, as a view. */
void dlt698_get_octets(struct mh_rd *r, struct dlt698_bytes *out);
/* An octet-string's length and bytes without the type tag (where the APDU fixes the type). */
void dlt698_put_octets_body(struct mh_wr *w, const struct dlt698_bytes *b);

/* CHOICE { DAR [0], octet-string [1] } (MD5 and TransCommand results); b NULL sends dar. */
void dlt698_put_octets_or_dar(struct mh_wr *w, const struct dlt698_bytes *b, uint8_t dar);
void dlt698_get_octets_or_dar(struct mh_rd *r, struct dlt698_bytes *b, uint8_t *dar);

/* TSA ::= octet-string (SIZE 2..17): AF + address, length matching AF's low nibble. */
void dlt698_get_tsa(struct mh_rd *r, struct dlt698_bytes *tsa);

/* View of one Data at the reader (NULL view on error). */
void dlt698_get_data(struct mh_rd *r, struct dlt698_bytes *out);

/* Start of an APDU: tag, choice (when nonzero), PIID. */
void dlt698_put_head(struct mh_wr *w, uint8_t tag, uint8_t choice, uint8_t piid);

/* The optional end: client (TimeTag) or server (FollowReport + TimeTag). Returns mh_wr_err or
 * MH_EINVAL. */
int dlt698_put_tail(struct mh_wr *w, int server, const struct dlt698_tail *tail);
void dlt698_get_tail(struct mh_rd *r, int server, struct dlt698_apdu *a);

/* Lists: count + items (items_put), items alone (items_put_n), and their reading. */
void dlt698_items_put(struct mh_wr *w, uint8_t kind, uint8_t sub, const void *arr, size_t n);
void dlt698_items_put_n(struct mh_wr *w, uint8_t kind, uint8_t sub, const void *arr, size_t n);
void dlt698_items_get(struct mh_rd *r, uint8_t kind, uint8_t sub, struct dlt698_items *out);
void dlt698_items_get_n(struct mh_rd *r, uint8_t kind, uint8_t sub, uint32_t n,
                        struct dlt698_items *out);

/* One list-or-single service: head, items, tail. n == 1 with list 0 is the Normal form. */
int dlt698_put_service(struct mh_wr *w, uint8_t tag, uint8_t choice, uint8_t piid, int list,
                       uint8_t kind, const void *arr, size_t n, const struct dlt698_tail *tail);

/* A frame whose user data is pre then apdu (frame.c). */
int dlt698_frame_encode_parts(struct mh_wr *w, uint8_t c, uint8_t af, const uint8_t *sa, uint8_t ca,
                              const uint8_t *pre, size_t pre_len, const uint8_t *apdu,
                              size_t apdu_len);

/* Group decoders: the service body after tag (and choice) into a. */
int dlt698_dec_link(struct mh_rd *r, struct dlt698_apdu *a);
int dlt698_dec_get(struct mh_rd *r, struct dlt698_apdu *a);
int dlt698_dec_set(struct mh_rd *r, struct dlt698_apdu *a);
int dlt698_dec_action(struct mh_rd *r, struct dlt698_apdu *a);
int dlt698_dec_connect(struct mh_rd *r, struct dlt698_apdu *a);
int dlt698_dec_proxy(struct mh_rd *r, struct dlt698_apdu *a);
int dlt698_dec_report(struct mh_rd *r, struct dlt698_apdu *a);
int dlt698_dec_security(struct mh_rd *r, struct dlt698_apdu *a);

#endif
