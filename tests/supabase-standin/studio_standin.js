// Studio's stand-in (tests/images/supabase-studio-standin): answers its health endpoint and a page,
// nothing of Studio itself; PORT and HOSTNAME as Next.js reads them.
const http = require('http');
const port = Number(process.env.PORT || 3000);
http.createServer((req, res) => {
  if (req.url.startsWith('/api/platform/profile')) {
    res.writeHead(200, {'content-type': 'application/json'});
    res.end(JSON.stringify({id: 1, username: 'supabase'}));
    return;
  }
  res.writeHead(200, {'content-type': 'text/html'});
  res.end('<!doctype html><title>Supabase Studio (stand-in)</title>');
}).listen(port, process.env.HOSTNAME || '0.0.0.0');
