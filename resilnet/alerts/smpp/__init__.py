"""SMPP 3.4: the codec (pdu), delivery receipts (receipts), the asyncio ESME (client).

No Django here: the dispatcher and the SMSC simulator both build on these layers.
"""
