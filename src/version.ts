// The handoff version, injected by the build (scripts/build.mjs) and read from package.json's version.
declare const HANDOFF_VERSION: string;

export const VERSION: string = typeof HANDOFF_VERSION === 'string' ? HANDOFF_VERSION : '0.0.0-dev';
