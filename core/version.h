/* The release, for --version, verify's tool field and the build_info metric. */
#pragma once

#define TICKREADY_VERSION "0.1.0"
