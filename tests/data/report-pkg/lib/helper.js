const axios = require('axios');

module.exports = function get(u) { return axios.defaults; };
