#!/usr/bin/env python3
"""pyHanko's AdES validation of a long-term PDF signature, from the file alone.

    python3 tests/pades_ltv.py FILE.pdf CA.pem [CA.pem ...]

Runs pyhanko.sign.validation.ades.ades_lta_validation with the given trust roots,
revocation checking required (CRLs) for every certificate but the roots, and online
fetching off, so that only the certificates and CRLs inside the PDF can satisfy it.
Prints the AdES indication and exits 0 only when it is PASSED.
"""

import asyncio
import sys

from pyhanko.keys import load_cert_from_pemder
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation.ades import ades_lta_validation
from pyhanko.sign.validation.policy_decl import (
    PdfSignatureValidationSpec,
    RevinfoOnlineFetchingRule,
    RevocationInfoGatheringSpec,
    SignatureValidationSpec,
)
from pyhanko_certvalidator.context import CertValidationPolicySpec
from pyhanko_certvalidator.policy_decl import (
    CertRevTrustPolicy,
    RevocationCheckingPolicy,
    RevocationCheckingRule,
)
from pyhanko_certvalidator.registry import SimpleTrustManager


def main():
    pdf, *roots = sys.argv[1:]
    required = RevocationCheckingPolicy(RevocationCheckingRule.CRL_REQUIRED, RevocationCheckingRule.CRL_REQUIRED)
    policy = CertValidationPolicySpec(
        trust_manager=SimpleTrustManager.build(trust_roots=[load_cert_from_pemder(root) for root in roots]),
        revinfo_policy=CertRevTrustPolicy(required),
    )
    spec = PdfSignatureValidationSpec(
        SignatureValidationSpec(
            cert_validation_policy=policy,
            revinfo_gathering_policy=RevocationInfoGatheringSpec(
                online_fetching_rule=RevinfoOnlineFetchingRule.LOCAL_ONLY
            ),
        )
    )
    with open(pdf, "rb") as file:
        signature = PdfFileReader(file).embedded_signatures[0]
        result = asyncio.run(ades_lta_validation(signature, spec))
    print(f"ades_lta_validation: {result.ades_subindic}")
    passed = result.ades_subindic is not None and str(result.ades_subindic.status).endswith("PASSED")
    sys.exit(0 if passed else 1)


if __name__ == "__main__":
    main()
