// Process-wide settings a server needs, for sio-signalling and the launcher's embedded server.
#pragma once

namespace sio::signalling {

// Every client is a descriptor: the soft open-files limit (often 1024) is raised to the hard
// one, as far as the system allows (logged at debug level).
void raise_open_files_limit();

}  // namespace sio::signalling
