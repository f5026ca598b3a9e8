const http = require('http');
http.get('http://localhost:1234/');
