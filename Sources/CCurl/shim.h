#pragma once
#include <curl/curl.h>

/* CURLVERSION_NOW is a macro Swift cannot import. */
static inline curl_version_info_data *bk_curl_version_info(void) {
    return curl_version_info(CURLVERSION_NOW);
}

/* curl_easy_setopt and curl_easy_getinfo are variadic, which Swift cannot call: one typed shim
   per argument type. */
static inline CURLcode bk_curl_setopt_long(CURL *handle, CURLoption option, long value) {
    return curl_easy_setopt(handle, option, value);
}
static inline CURLcode bk_curl_setopt_string(CURL *handle, CURLoption option, const char *value) {
    return curl_easy_setopt(handle, option, value);
}
static inline CURLcode bk_curl_setopt_pointer(CURL *handle, CURLoption option, void *value) {
    return curl_easy_setopt(handle, option, value);
}
static inline CURLcode bk_curl_setopt_slist(CURL *handle, CURLoption option, struct curl_slist *value) {
    return curl_easy_setopt(handle, option, value);
}
typedef size_t (*bk_curl_data_callback)(char *data, size_t size, size_t count, void *context);
static inline CURLcode bk_curl_setopt_write_function(CURL *handle, bk_curl_data_callback callback) {
    return curl_easy_setopt(handle, CURLOPT_WRITEFUNCTION, callback);
}
/* A POST body, copied by libcurl (an empty body when data is NULL). */
static inline CURLcode bk_curl_setopt_body(CURL *handle, const char *data, long length) {
    CURLcode code = curl_easy_setopt(handle, CURLOPT_POSTFIELDSIZE, length);
    return code != CURLE_OK ? code : curl_easy_setopt(handle, CURLOPT_COPYPOSTFIELDS, data ? data : "");
}
static inline CURLcode bk_curl_getinfo_long(CURL *handle, CURLINFO info, long *value) {
    return curl_easy_getinfo(handle, info, value);
}
static inline CURLcode bk_curl_getinfo_off(CURL *handle, CURLINFO info, curl_off_t *value) {
    return curl_easy_getinfo(handle, info, value);
}
static inline CURLcode bk_curl_getinfo_string(CURL *handle, CURLINFO info, char **value) {
    return curl_easy_getinfo(handle, info, value);
}
