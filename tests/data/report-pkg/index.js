const https = require('https');
const helper = require('./lib/helper');

function send(url) {
  return https.request(url); // </script><img src=x onerror=alert(1)>
}

function load(name) {
  return require(name);
}

module.exports = { send, load, helper };
