// A throwaway CA and X.509-SVIDs made with the openssl CLI (EC P-256, valid for 2 days):
// client certificates whose only URI SAN is a SPIFFE ID (spiffe://example.org/ns/<ns>/sa/<sa>),
// and a server certificate for Envoy's listener.
import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export const TRUST_DOMAIN = "example.org";

export function spiffeId(ns: string, sa: string, trustDomain = TRUST_DOMAIN): string {
  return `spiffe://${trustDomain}/ns/${ns}/sa/${sa}`;
}

export interface KeyPair {
  /** PEM certificate */
  cert: string;
  /** PEM private key (PKCS#8) */
  key: string;
  certPath: string;
  keyPath: string;
}

export interface IssueOptions {
  /** File name stem and subject CN. */
  name: string;
  uris?: string[];
  dnsNames?: string[];
  ips?: string[];
  /** Extended key usages; default both (an SVID may serve and call). */
  usages?: Array<"serverAuth" | "clientAuth">;
}

/** The openssl x509v3 extension section for a leaf certificate. */
export function leafExtensions(opts: IssueOptions): string {
  const sans = [
    ...(opts.uris ?? []).map((u) => `URI:${u}`),
    ...(opts.dnsNames ?? []).map((d) => `DNS:${d}`),
    ...(opts.ips ?? []).map((i) => `IP:${i}`),
  ];
  const lines = [
    "[leaf]",
    "basicConstraints = critical, CA:FALSE",
    "keyUsage = critical, digitalSignature, keyEncipherment",
    `extendedKeyUsage = ${(opts.usages ?? ["serverAuth", "clientAuth"]).join(", ")}`,
    "subjectKeyIdentifier = hash",
    "authorityKeyIdentifier = keyid",
  ];
  if (sans.length > 0) lines.push(`subjectAltName = critical, ${sans.join(", ")}`);
  return `${lines.join("\n")}\n`;
}

function openssl(args: string[], cwd: string): void {
  execFileSync("openssl", args, { cwd, stdio: ["ignore", "pipe", "pipe"] });
}

export class TestCa {
  readonly dir: string;
  readonly cert: string;
  readonly certPath: string;
  private readonly keyPath: string;

  private constructor(dir: string) {
    this.dir = dir;
    this.certPath = join(dir, "ca.pem");
    this.keyPath = join(dir, "ca-key.pem");
    openssl(
      [
        "req", "-x509", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
        "-keyout", this.keyPath, "-out", this.certPath, "-days", "2", "-subj", "/O=Sluice test/CN=Sluice test CA",
        "-addext", "basicConstraints=critical,CA:TRUE",
        "-addext", "keyUsage=critical,keyCertSign,cRLSign",
        "-addext", "subjectKeyIdentifier=hash",
        // SPIFFE: an X.509-SVID CA may carry the trust domain as its URI SAN.
        "-addext", `subjectAltName=URI:spiffe://${TRUST_DOMAIN}`,
      ],
      dir,
    );
    this.cert = readFileSync(this.certPath, "utf8");
  }

  /** A new CA in a new temporary directory (remove it with dispose()). */
  static create(): TestCa {
    return new TestCa(mkdtempSync(join(tmpdir(), "sluice-ca-")));
  }

  issue(opts: IssueOptions): KeyPair {
    if (!/^[A-Za-z0-9_.-]+$/.test(opts.name)) throw new Error(`certificate name ${JSON.stringify(opts.name)}: letters, digits, . _ - only`);
    const keyPath = join(this.dir, `${opts.name}-key.pem`);
    const csrPath = join(this.dir, `${opts.name}.csr`);
    const certPath = join(this.dir, `${opts.name}.pem`);
    const extPath = join(this.dir, `${opts.name}.ext`);
    writeFileSync(extPath, leafExtensions(opts));
    openssl(
      ["req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
        "-keyout", keyPath, "-out", csrPath, "-subj", `/O=Sluice test/CN=${opts.name}`],
      this.dir,
    );
    openssl(
      ["x509", "-req", "-in", csrPath, "-CA", this.certPath, "-CAkey", this.keyPath,
        "-set_serial", `0x${randomBytes(12).toString("hex")}`, "-days", "2", "-sha256",
        "-extfile", extPath, "-extensions", "leaf", "-out", certPath],
      this.dir,
    );
    return { cert: readFileSync(certPath, "utf8"), key: readFileSync(keyPath, "utf8"), certPath, keyPath };
  }

  /** An X.509-SVID for spiffe://example.org/ns/<ns>/sa/<sa>. */
  svid(ns: string, sa: string): KeyPair {
    return this.issue({ name: `svid-${ns}-${sa}`, uris: [spiffeId(ns, sa)], usages: ["clientAuth", "serverAuth"] });
  }

  dispose(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}
