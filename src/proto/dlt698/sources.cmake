set(MH_PROTO_DLT698_SOURCES frame.c data.c apdu.c oi.c)
list(APPEND MH_PROTO_DLT698_SOURCES apdu_common.c apdu_items.c apdu_decode.c apdu_link.c apdu_get.c
     apdu_set.c apdu_action.c apdu_report.c apdu_connect.c apdu_proxy.c apdu_security.c frag.c)
list(APPEND MH_PROTO_DLT698_SOURCES data_dec.c data_enc.c oi_table.c readings.c)
list(APPEND MH_PROTO_DLT698_SOURCES map.c)
