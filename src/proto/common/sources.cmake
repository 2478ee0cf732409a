set(MH_PROTO_COMMON_SOURCES bcd.c crc.c item.c value.c)
