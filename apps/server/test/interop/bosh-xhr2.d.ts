// Minimal type declaration for xhr2 0.2 (the package ships none): an
// XMLHttpRequest for Node, which strophe.js needs for BOSH in the interop test.
declare module 'xhr2' {
  const XMLHttpRequest: {
    new (): XMLHttpRequest;
    nodejsSet(options: { httpAgent?: import('node:http').Agent; httpsAgent?: import('node:https').Agent }): void;
  };
  export default XMLHttpRequest;
}
