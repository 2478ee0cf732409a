/*
 * The asset archive as the master station knows it: transformer areas,
 * terminals, measurement points, meters and customers, read from the
 * archive CSV (docs/archive-csv.md).
 *
 * archive_csv_parse validates every row before anything is used: a file
 * with one bad row is rejected whole, and the error names the line and the
 * column, so an import is all or nothing. Rows are kept in one arena owned
 * by struct archive (archive_free releases it).
 */
#ifndef MH_ARCHIVE_H
#define MH_ARCHIVE_H

#include <stddef.h>
#include <stdint.h>

enum archive_protocol {
    ARCHIVE_PROTO_GDW1376,
    ARCHIVE_PROTO_DLT698,
    ARCHIVE_PROTO_DLT645_2007,
    ARCHIVE_PROTO_DLT645_1997,
};

enum archive_terminal_kind {
    ARCHIVE_KIND_CONCENTRATOR,
    ARCHIVE_KIND_SPECIAL_TRANSFORMER,
    ARCHIVE_KIND_TRANSFORMER_MONITOR,
    ARCHIVE_KIND_DTU,
};

enum archive_customer_class {
    ARCHIVE_CLASS_RESIDENTIAL,
    ARCHIVE_CLASS_COMMERCIAL,
    ARCHIVE_CLASS_INDUSTRIAL,
    ARCHIVE_CLASS_PV,
    ARCHIVE_CLASS_AREA,
};

/* One meter row of the archive (a measurement point at a terminal). */
struct archive_row {
    uint32_t line;             /* line in the file, for messages */
    char area[24];             /* "" when the meter is in no area */
    uint16_t region;           /* 4 BCD digits as hex: 0x0171 */
    char terminal_address[16]; /* as in the CSV: 8 hex digits (gdw1376) or 12 digits */
    uint8_t terminal_kind;     /* enum archive_terminal_kind */
    uint8_t terminal_protocol; /* enum archive_protocol */
    uint8_t meter_protocol;    /* enum archive_protocol (not gdw1376) */
    uint8_t phases;            /* 1 or 3 */
    char channel_group[24];
    uint16_t pn;               /* 1..2040 */
    uint64_t meter_address;    /* 12 decimal digits */
    uint32_t ct, pt;           /* >= 1 */
    uint16_t rated_voltage_v;  /* phase voltage: 220, 57 (100 V three-wire) ... */
    uint32_t contract_w;
    char tariff[16];
    uint8_t pv;
    uint32_t pv_peak_w;
    char customer[24];
    uint8_t customer_class;    /* enum archive_customer_class */
    uint8_t area_meter;        /* 1: the area's supply meter */
};

struct archive {
    struct archive_row *rows;
    size_t n_rows;
};

/*
 * Parse CSV text (len bytes). On success *out is a new archive; on failure
 * returns MH_EINVAL (or MH_ENOMEM) and writes "line N: column 'x': what is
 * wrong" into err. Checks: header names, field count, every value's syntax
 * and range, one area meter per area, unique meter addresses, unique
 * (terminal, pn), a terminal's kind and protocol the same on all its rows.
 */
int archive_csv_parse(const char *text, size_t len, struct archive **out, char *err, size_t cap);

/* The CSV's columns, in order (docs/archive-csv.md). */
#define ARCHIVE_COLUMNS 20
enum archive_column {
    ARCHIVE_COL_AREA,
    ARCHIVE_COL_REGION,
    ARCHIVE_COL_TERMINAL_ADDRESS,
    ARCHIVE_COL_TERMINAL_KIND,
    ARCHIVE_COL_TERMINAL_PROTOCOL,
    ARCHIVE_COL_CHANNEL_GROUP,
    ARCHIVE_COL_PN,
    ARCHIVE_COL_METER_ADDRESS,
    ARCHIVE_COL_METER_PROTOCOL,
    ARCHIVE_COL_PHASES,
    ARCHIVE_COL_CT,
    ARCHIVE_COL_PT,
    ARCHIVE_COL_RATED_VOLTAGE_V,
    ARCHIVE_COL_CONTRACT_KW,
    ARCHIVE_COL_TARIFF,
    ARCHIVE_COL_PV,
    ARCHIVE_COL_PV_PEAK_KW,
    ARCHIVE_COL_CUSTOMER,
    ARCHIVE_COL_CUSTOMER_CLASS,
    ARCHIVE_COL_AREA_METER,
};

/* Which columns archive_row_check checks (a CSV line: all of them). */
#define ARCHIVE_PART_AREA_REGION 1u /* area, region */
#define ARCHIVE_PART_TERMINAL 2u    /* terminal_address, _kind, _protocol, channel_group */
#define ARCHIVE_PART_METER 4u       /* pn .. pv_peak_kw, area_meter; with customer and class */
#define ARCHIVE_PART_CUSTOMER 8u    /* customer, customer_class */
#define ARCHIVE_PART_ALL 15u

/*
 * Check one row given as column texts (text[ARCHIVE_COL_*]; NULL is an
 * empty field) by the very rules archive_csv_parse applies to a line of
 * the file, for the columns of parts (the terminal's need the region and a
 * meter's the area, so take ARCHIVE_PART_AREA_REGION with them). The whole-file rules (unique
 * addresses and points, one supply meter per area) are the caller's.
 * names[ARCHIVE_COL_*] (NULL: the CSV's column names) name the fields in
 * err: "field 'x': what is wrong". 0 with *r filled, or MH_EINVAL.
 */
int archive_row_check(const char *const text[ARCHIVE_COLUMNS], const char *const *names,
                      unsigned parts, struct archive_row *r, char *err, size_t cap);

/* Read and parse a file (at most 512 MiB). */
int archive_csv_load(const char *path, struct archive **out, char *err, size_t cap);

void archive_free(struct archive *a);

const char *archive_protocol_name(int proto);
const char *archive_kind_name(int kind);
/* "residential" ... "area" (enum archive_customer_class); "?" when out of range. */
const char *archive_class_name(int cls);

#endif
