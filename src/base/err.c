#include "meterhub/base/err.h"

const char *mh_err_name(int err)
{
    switch (err) {
    case MH_OK:
        return "OK";
#define MH_ERR_NAME(name, num, text)                                        \
    case MH_##name:                                                          \
        return #name;
        MH_ERRNO_MAP(MH_ERR_NAME)
#undef MH_ERR_NAME
    default:
        return "EUNKNOWNERR";
    }
}

const char *mh_strerror(int err)
{
    switch (err) {
    case MH_OK:
        return "success";
#define MH_ERR_TEXT(name, num, text)                                        \
    case MH_##name:                                                          \
        return text;
        MH_ERRNO_MAP(MH_ERR_TEXT)
#undef MH_ERR_TEXT
    default:
        return "unknown error";
    }
}
