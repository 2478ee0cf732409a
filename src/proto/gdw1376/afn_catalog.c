/*
 * What the application-frame codec implements, one row per (AFN, Fn), for
 * the protocol page's function table (`meterhub items --gdw1376-afn`).
 * The AFN04/0A and AFN05 rows must be exactly the Fn of their layout
 * tables (afn_param.c, afn_control.c) and the fixed-function rows what
 * their parsers accept: test_gdw1376_catalog checks both ways. The ERC
 * rows come from the event table itself, the AFN09/0C/0D data from the
 * Fn dictionary (fn_table.c).
 */
#include "meterhub/proto/gdw1376_afn.h"

#define DOWN GDW1376_DIR_DOWN
#define UP GDW1376_DIR_UP
#define BOTH (GDW1376_DIR_UP | GDW1376_DIR_DOWN)
#define NONE 0xFF

/* {afn, also (the AFN that carries the same data back, or NONE), fn (0 any), dir, content} */
static const struct gdw1376_afn_fn rows[] = {
    {0x00, NONE, 1, BOTH, "all confirmed (no data); the master confirms login, heartbeat and reports, the terminal sets and controls (C 80, A0 with EC)"},
    {0x00, NONE, 2, BOTH, "all denied (no data)"},
    {0x00, NONE, 3, BOTH, "per item: the AFN answered, then {DA DT ERR} per unit; DT `03 00` accepted for `04 00`"},
    {0x01, NONE, 1, DOWN, "hardware initialisation (no data; PW, Tp)"},
    {0x01, NONE, 2, DOWN, "data area initialisation"},
    {0x01, NONE, 3, DOWN, "parameters and data initialisation (factory reset)"},
    {0x01, NONE, 4, DOWN, "parameters initialisation except communication"},
    {0x02, NONE, 1, UP, "login (p0, no data)"},
    {0x02, NONE, 2, UP, "logout (p0, no data)"},
    {0x02, NONE, 3, UP, "heartbeat (p0; a provincial variant appends the terminal clock A.1)"},
    {0x04, 0x0A, 1, BOTH, "uplink communication: RTS (x 20 ms), transmit delay (min), timeout D11..D0 (s) and retries D13..D12, CON flags BS8, heartbeat (min)"},
    {0x04, 0x0A, 3, BOTH, "master IP and port, backup IP and port, APN (ASCII 16): 28 bytes"},
    {0x04, 0x0A, 9, BOTH, "event recording: ERC1-64 recorded mask BS64, important mask BS64"},
    {0x04, 0x0A, 10, BOTH, "meter table: count BIN2, n x 27-byte records (seq, pn, port/baud, protocol, address A.12, password, tariffs, digits, collector A.12, user class)"},
    {0x04, 0x0A, 17, BOTH, "protect power limit A.2"},
    {0x04, 0x0A, 25, BOTH, "measuring point base: PT BIN2, CT BIN2, rated voltage A.7, rated current A.22, rated load A.23, wiring BS8"},
    {0x04, 0x0A, 41, BOTH, "period power-control limits: scheme mask BS8, per scheme a period mask BS8 and A.2 per period set"},
    {0x04, 0x0A, 42, BOTH, "plant-rest control: limit A.2, start A.19, duration BIN1 (half hours), weekdays BS8 (D1..D7 Monday..Sunday)"},
    {0x04, 0x0A, 43, BOTH, "power slip time BIN1 (min)"},
    {0x04, 0x0A, 44, BOTH, "business-stop control: from A.20, to A.20, limit A.2"},
    {0x04, 0x0A, 45, BOTH, "power-control turns BS8"},
    {0x04, 0x0A, 46, BOTH, "monthly energy limit A.3"},
    {0x04, 0x0A, 47, BOTH, "purchased energy: order number BIN4, flag (55 add, AA refresh), amount A.3, alarm A.3, trip A.3"},
    {0x04, 0x0A, 48, BOTH, "energy-control turns BS8"},
    {0x04, 0x0A, 49, BOTH, "power-control alarm time BIN1 (min)"},
    {0x04, 0x0A, 65, BOTH, "class-1 report task (pn = task): period D5..D0 and unit D7..D6, base time A.1, ratio BIN1, n, n x DA DT"},
    {0x04, 0x0A, 66, BOTH, "class-2 report task: as F65"},
    {0x04, 0x0A, 67, BOTH, "class-1 report task start (55) / stop (AA)"},
    {0x04, 0x0A, 68, BOTH, "class-2 report task start (55) / stop (AA)"},
    {0x05, NONE, 1, DOWN, "remote trip (pn = turn): alarm delay D7..D4 (min), limit time D3..D0 (half hours, 0 = until released)"},
    {0x05, NONE, 2, DOWN, "allow close (pn = turn)"},
    {0x05, NONE, 9, DOWN, "period power control on: period mask BS8, scheme BIN1"},
    {0x05, NONE, 10, DOWN, "plant-rest power control on"},
    {0x05, NONE, 11, DOWN, "business-stop power control on"},
    {0x05, NONE, 12, DOWN, "power float-down control on: slip (min), coefficient A.4, freeze delay (min), duration (half hours), 4 alarm times (min)"},
    {0x05, NONE, 15, DOWN, "monthly energy control on"},
    {0x05, NONE, 16, DOWN, "purchased energy control on"},
    {0x05, NONE, 17, DOWN, "period power control off"},
    {0x05, NONE, 18, DOWN, "plant-rest power control off"},
    {0x05, NONE, 19, DOWN, "business-stop power control off"},
    {0x05, NONE, 20, DOWN, "power float-down control off"},
    {0x05, NONE, 23, DOWN, "monthly energy control off"},
    {0x05, NONE, 24, DOWN, "purchased energy control off"},
    {0x05, NONE, 25, DOWN, "protect (keep power) on: duration BIN1 (half hours)"},
    {0x05, NONE, 26, DOWN, "urge-fee alarm on: hour mask BS24 (D0..D23 = hours 0..23)"},
    {0x05, NONE, 27, DOWN, "allow talk"},
    {0x05, NONE, 28, DOWN, "reject on"},
    {0x05, NONE, 29, DOWN, "allow active reporting"},
    {0x05, NONE, 31, DOWN, "clock set A.1"},
    {0x05, NONE, 32, DOWN, "text message: kind D7..D4 (1 important) and number D3..D0, length BIN1 (at most 200), GB2312 bytes"},
    {0x05, NONE, 33, DOWN, "protect off"},
    {0x05, NONE, 34, DOWN, "urge-fee alarm off"},
    {0x05, NONE, 35, DOWN, "forbid talk"},
    {0x05, NONE, 36, DOWN, "reject off"},
    {0x05, NONE, 37, DOWN, "forbid active reporting"},
    {0x05, NONE, 38, DOWN, "activate the master connection"},
    {0x05, NONE, 39, DOWN, "drop the master connection"},
    {0x05, NONE, 41, DOWN, "capacitor groups on: group mask BS16"},
    {0x05, NONE, 42, DOWN, "capacitor groups off: group mask BS16"},
    {0x05, NONE, 49, DOWN, "port: pause meter reading (port BIN1)"},
    {0x05, NONE, 50, DOWN, "port: resume meter reading"},
    {0x05, NONE, 51, DOWN, "port: re-read"},
    {0x05, NONE, 52, DOWN, "port: clear relay routes"},
    {0x05, NONE, 53, DOWN, "port: delete every meter of the port"},
    {0x06, NONE, 0, BOTH, "authentication: p0, length BIN2 and an ESAM blob (random number, ciphertext); framing only"},
    {0x0A, NONE, 0, DOWN, "query: any (pn, Fn) as bare DA DT, F10 with count BIN2 and record numbers; answered by the AFN04 layouts (rows 04 / 0A)"},
    {0x0C, NONE, 5, BOTH, "control settings state (afn_ctrl_state.c): protect/reject/urge flags BS8, group mask BS8, per group scheme, period mask, power and energy control on BS8, power and energy turns BS8; the read-back of AFN05"},
    {0x0C, NONE, 6, BOTH, "current control state: remote trip turns BS8, urge-fee alarm BS8, group mask BS8, per group power limit A.2, float-down A.4, power/monthly/purchased trip turns BS8, power and energy alarms BS8"},
    {0x0E, NONE, 1, BOTH, "important events: request Pm Pn; reply EC1 EC2 Pm Pn and (Pn - Pm) mod 256 ERC records"},
    {0x0E, NONE, 2, BOTH, "normal events: as F1"},
    {0x0F, NONE, 1, BOTH, "file segment: file id, attribute (1 = last), command, segments BIN2, index BIN4, length BIN2, data; reply the index BIN4"},
    {0x10, NONE, 1, BOTH, "transparent forward: port, baud/parity word, frame timeout, byte timeout, length BIN2 and a meter frame; reply port, length, frame (0 = no answer)"},
};

const struct gdw1376_afn_fn *gdw1376_afn_fn_table(size_t *n)
{
    *n = sizeof rows / sizeof rows[0];
    return rows;
}
