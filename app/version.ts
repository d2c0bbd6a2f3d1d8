// The version Cairn reports where Consul reports its own (agent/self, the consul service).
// It follows the Consul API generation it implements; the suffix names Cairn's own release.
export const VERSION = '1.21.0';
export const CAIRN_VERSION = '0.1.0';
